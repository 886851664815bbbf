/** A column: its heading, or its heading and the class that aligns or widens it. */
export type Column = string | readonly [heading: string, className: string];

/** The heading row of a table; '' is a column without a heading (row actions). */
export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, i) => {
          const [heading, className] = typeof column === 'string' ? [column, undefined] : column;
          return (
            <th key={i} className={className}>
              {heading}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
