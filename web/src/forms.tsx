import { useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import { ErrorBox } from './components';
import { useAction, type Action, type Counterparty } from './hooks';
import { addDays, today } from './zone';

/**
 * A one-line form that runs one action on submit: its button is disabled while the action runs and
 * the action's problem (or `loadError`, what the form needed and could not load) shows beneath it.
 */
export function ActionForm({
  label,
  action,
  run,
  submit,
  loadError,
  children,
}: {
  label: string;
  action: Action;
  run(idempotencyKey: string): Promise<unknown>;
  submit: ReactNode;
  loadError?: Error | undefined;
  children: ReactNode;
}) {
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(run);
  };
  return (
    <form onSubmit={onSubmit} className="inline-form" aria-label={label}>
      {children}
      <button type="submit" disabled={action.busy}>
        {submit}
      </button>
      <ErrorBox error={action.error ?? loadError} />
    </form>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>;

/** An input inside its label: the label names it, for screen readers and the browser tests alike. */
export function Field({
  label,
  value,
  onChange,
  ...input
}: InputProps & { label: string; value: string; onChange(value: string): void }) {
  return (
    <label>
      {label}
      <input {...input} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

type ValueProps = { value: string; onChange(value: string): void };

/** A document's amount in rupees (decimal keypad on phones). */
export function AmountField(props: ValueProps) {
  return <Field label="Amount" name="amount" inputMode="decimal" required {...props} />;
}

export function DueDateField(props: ValueProps) {
  return <Field label="Due" name="dueDate" type="date" required {...props} />;
}

/** The month a run is for (invoice runs, salary runs): `YYYY-MM`. */
export function MonthField(props: ValueProps) {
  return <Field label="Month" name="period" type="month" required {...props} />;
}

/** Starts a run for a month (invoices, salaries): this month unless another is picked. */
export function MonthRunForm({
  label,
  submit,
  start,
  onStarted,
}: {
  label: string;
  submit: string;
  start(period: string, idempotencyKey: string): Promise<unknown>;
  onStarted(): void;
}) {
  const [period, setPeriod] = useState(thisMonth);
  const action = useAction(onStarted);
  return (
    <ActionForm label={label} action={action} submit={submit} run={(key) => start(period, key)}>
      <MonthField value={period} onChange={setPeriod} />
    </ActionForm>
  );
}

/** The vendor or customer a document is for, picked from those loaded. */
export function CounterpartyField({
  label,
  name,
  counterparty,
}: {
  label: string;
  name: string;
  counterparty: Counterparty;
}) {
  return (
    <label>
      {label}
      <select name={name} value={counterparty.value} onChange={(e) => counterparty.choose(e.target.value)}>
        {counterparty.options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A date field's default: `days` from today in the organization's zone, as `YYYY-MM-DD`. */
export const inDays = (days: number): string => addDays(today(), days);

/** A month field's default: this month in the organization's zone, as `YYYY-MM`. */
export const thisMonth = (): string => today().slice(0, 7);
