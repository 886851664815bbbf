import type { ComponentProps } from 'react';

/** A form that never navigates: submitting (a button, Enter in a field) only calls `onSubmit`. */
export function Form({ onSubmit, ...props }: Omit<ComponentProps<'form'>, 'onSubmit'> & { onSubmit: () => void }) {
  return (
    <form
      {...props}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    />
  );
}
