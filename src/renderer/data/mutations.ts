// Calls that change things. Their results arrive as events too, so most screens need no
// manual cache work; the few that do (a created agent, before its event) set it here.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CallInput, CallName, CallOutput } from '../../shared/contract';
import type { ContractErrorShape } from '../../shared/errors';
import { useBridge } from './bridge-context';
import { toContractError } from './errors';

export function useAction<N extends CallName>(method: N, options: { onSuccess?: (result: CallOutput<N>) => void; invalidate?: readonly CallName[] } = {}) {
  const bridge = useBridge();
  const qc = useQueryClient();
  return useMutation<CallOutput<N>, ContractErrorShape, CallInput<N>>({
    mutationFn: async (params) => {
      try {
        return await bridge.invoke(method, params);
      } catch (err) {
        throw toContractError(err);
      }
    },
    onSuccess: (result) => {
      for (const name of options.invalidate ?? []) void qc.invalidateQueries({ queryKey: [name] });
      options.onSuccess?.(result);
    },
  });
}
