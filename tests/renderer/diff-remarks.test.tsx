// @vitest-environment jsdom
// Remarks on diff lines: a remark that finishes saving after the person opened another line's
// form closes only its own form. It used to close whichever was open in that hunk, dropping what
// was typed there (the review-loop e2e test lost its second remark that way once under load).
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import DiffView from '../../src/renderer/workspace/DiffView';

const PATCH = [
  'diff --git a/src/cart.ts b/src/cart.ts',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/src/cart.ts',
  '@@ -0,0 +1,5 @@',
  '+export function total(items) {',
  '+  let sum = 0;',
  '+  for (const i of items) sum += i.price;',
  '+  return sum;',
  '+}',
  '',
].join('\n');

describe('remarks on diff lines', () => {
  afterEach(cleanup);

  it('a remark saved late closes only its own form: one opened meanwhile keeps its text', async () => {
    let release = () => {};
    const add = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    render(<DiffView patch={PATCH} truncated={false} commenting={{ comments: [], add }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Comment on src/cart.ts line 4' }));
    const first = screen.getByRole('form', { name: 'Remark on src/cart.ts line 4' });
    fireEvent.change(within(first).getByLabelText('Remark'), { target: { value: 'use roundCents' } });
    fireEvent.click(within(first).getByRole('button', { name: 'Add remark' }));
    expect(add).toHaveBeenCalledWith('src/cart.ts', 4, 'use roundCents');
    // While it saves, the person opens line 2 and starts typing.
    fireEvent.click(screen.getByRole('button', { name: 'Comment on src/cart.ts line 2' }));
    const second = screen.getByRole('form', { name: 'Remark on src/cart.ts line 2' });
    fireEvent.change(within(second).getByLabelText('Remark'), { target: { value: 'name it subtotal' } });
    await act(async () => release());
    const still = screen.getByRole('form', { name: 'Remark on src/cart.ts line 2' });
    expect((within(still).getByLabelText('Remark') as HTMLTextAreaElement).value).toBe('name it subtotal');
  });

  it('a remark saved closes its form', async () => {
    const add = vi.fn(async () => undefined);
    render(<DiffView patch={PATCH} truncated={false} commenting={{ comments: [], add }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Comment on src/cart.ts line 3' }));
    const form = screen.getByRole('form', { name: 'Remark on src/cart.ts line 3' });
    fireEvent.change(within(form).getByLabelText('Remark'), { target: { value: 'a loop' } });
    await act(async () => void fireEvent.click(within(form).getByRole('button', { name: 'Add remark' })));
    expect(screen.queryByRole('form')).toBeNull();
  });
});
