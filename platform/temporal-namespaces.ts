import { msToTs } from '@temporalio/common/lib/time';
import type { Connection } from '@temporalio/client';

/** gRPC status codes the Temporal server answers with. */
export const GRPC = { NOT_FOUND: 5, ALREADY_EXISTS: 6 } as const;
export const isGrpcStatus = (err: unknown, code: number): boolean => (err as { code?: number }).code === code;

const RETENTION = msToTs(30 * 24 * 3600 * 1000);

/**
 * Makes a namespace usable for Trellis: registered (when asked to and missing) and carrying the
 * TenantId search attribute. Idempotent, so provisioning retries and every process start can call
 * it. Registration is asynchronous in the server, so the attribute step retries briefly.
 */
export async function ensureNamespace(temporal: Connection, namespace: string, opts: { register: boolean; description?: string }): Promise<void> {
  if (opts.register) {
    try {
      await temporal.workflowService.describeNamespace({ namespace });
    } catch (err) {
      if (!isGrpcStatus(err, GRPC.NOT_FOUND)) throw err;
      await temporal.workflowService
        .registerNamespace({ namespace, description: opts.description, workflowExecutionRetentionPeriod: RETENTION })
        .catch((e: unknown) => {
          if (!isGrpcStatus(e, GRPC.ALREADY_EXISTS)) throw e;
        });
    }
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const attributes = await temporal.operatorService.listSearchAttributes({ namespace });
      if (!attributes.customAttributes?.TenantId) {
        await temporal.operatorService
          .addSearchAttributes({ namespace, searchAttributes: { TenantId: 2 /* INDEXED_VALUE_TYPE_KEYWORD */ } })
          .catch((e: unknown) => {
            if (!isGrpcStatus(e, GRPC.ALREADY_EXISTS)) throw e;
          });
      }
      return;
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
