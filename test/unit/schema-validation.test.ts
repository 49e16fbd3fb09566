import { Type } from '@sinclair/typebox';
import { checkSchema } from '../../platform/schema-validation';
import { validate } from '../../api/validation';
import { problemOf } from '../../api/errors';
import { DomainError } from '../../domain/errors';
import { typedRoute } from '../../api/route';
import { Obj, PageQuery, withDefault } from '../../api/schemas';

/** The one schema checker, used by the API for requests and by services for rule definitions. */
const Body = Obj({ name: Type.String({ minLength: 1 }), count: Type.Optional(Type.Integer()) });

function refusal(work: () => unknown): DomainError {
  try {
    work();
  } catch (err) {
    return err as DomainError;
  }
  throw new Error('no refusal');
}

test('a value that fits comes back, defaults filled in', () => {
  expect(checkSchema(Obj({ limit: Type.Optional(withDefault(Type.Integer(), 50)) }), {}, 'query')).toEqual({ limit: 50 });
});

test('a value that does not fit is an invalid DomainError naming every field from the root the caller gives', () => {
  const err = refusal(() => checkSchema(Body, { count: 'x', extra: 1 }, 'body.definition'));
  expect(err).toBeInstanceOf(DomainError);
  expect(err.kind).toBe('invalid');
  expect(err.details.errors).toEqual(expect.arrayContaining([
    { field: 'body.definition.extra', detail: 'is not a known field' },
    { field: 'body.definition.name', detail: 'is required' },
    { field: 'body.definition.count', detail: 'must be integer' },
  ]));
  expect(err.detail).toBe(`${err.details.field} ${err.details.errors![0].detail}`);
});

test('the API answers it as the 422 validation-failed problem with the field and the list', () => {
  const problem = problemOf(refusal(() => validate(Body, {}, 'body')));
  expect(problem.toBody()).toEqual({
    type: 'urn:trellis:problem:validation-failed',
    title: 'The request is not valid',
    status: 422,
    detail: 'body.name is required',
    field: 'body.name',
    errors: [{ field: 'body.name', detail: 'is required' }],
  });
});

test('query numbers must be plain decimal digits before they are coerced', () => {
  const Query = Obj({ ...PageQuery });
  expect(validate(Query, { limit: '7' }, 'query')).toEqual({ limit: 7 });
  expect(refusal(() => validate(Query, { limit: '0x10' }, 'query')).details.field).toBe('query.limit');
});

test("a typed route's handler input comes from its schemas, defaulted fields present", async () => {
  const spec = typedRoute({
    method: 'get',
    path: '/probe',
    tag: 'probe',
    summary: 'probe',
    access: 'platform',
    query: Obj({ ...PageQuery }),
    responses: {},
    async handler({ query }) {
      const limit: number = query.limit;
      // @ts-expect-error the cursor is optional, so it may be undefined
      const cursor: string = query.cursor;
      return { status: 200, body: { limit, cursor } };
    },
  });
  expect(spec.query?.properties.limit.default).toBe(50);
});
