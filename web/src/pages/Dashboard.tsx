import { useMemo } from 'react';
import { call, can, download, type Session } from '../api';
import { BarChart } from '../charts';
import { Badge, ErrorBox, LoadedSection, Loading, Section, Table, money } from '../components';
import { useGet, useLoad } from '../hooks';
import { ok, sales, useTyped, type SalesAnswer } from '../client';
import { monthLabel, monthsBefore, today } from '../zone';

type Month = SalesAnswer<'/api/reports/collections'>['months'][number];
type Receivables = SalesAnswer<'/api/reports/receivables'>;
type Aging = Receivables['totals'];
interface Run {
  id: string;
  period: string;
  status: string;
  residents: number;
  created: number;
  skipped: number;
  failed: number;
}
interface Order {
  id: string;
  number: string;
  vendorName: string;
  amount: string;
  requiredRoles: string[];
  approvals: unknown[];
}

const BUCKETS = [
  ['current', 'Current'],
  ['days1to30', '1–30 days'],
  ['days31to60', '31–60 days'],
  ['days61to90', '61–90 days'],
  ['over90', 'Over 90 days'],
] as const;

/** Overdue: all but what is not yet due. Exact, on the decimal strings' cents. */
const overdueCents = (a: Aging) => BUCKETS.slice(1).reduce((n, [k]) => n + BigInt(a[k].replace('.', '')), 0n);
const centsText = (cents: bigint) => {
  const s = cents.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
};

/** The accountant's first page: billed vs collected, receivables aging, this month's run, what waits. */
export function Dashboard({ session }: { session: Session }) {
  const thisMonth = today().slice(0, 7);
  const from = monthsBefore(thisMonth, 11);
  // Typed from Sales' OpenAPI document: a renamed field or parameter fails the build.
  const collections = useTyped(['sales', 'collections', from, thisMonth], () =>
    ok(sales.GET('/api/reports/collections', { params: { query: { from, to: thisMonth } } })),
  );
  const aging = useTyped(['sales', 'receivables'], () => ok(sales.GET('/api/reports/receivables')));
  return (
    <div className="dashboard">
      <LoadedSection title="Billed and collected" loaded={collections} what="collections">
        {(data) => <CollectionsChart months={data.months} />}
      </LoadedSection>
      <LoadedSection title="Receivables aging" loaded={aging} what="receivables">
        {(data) => <AgingView report={data} />}
      </LoadedSection>
      <ThisMonthsRun period={thisMonth} />
      {can(session, 'purchase-orders:read') && <OrdersWaiting />}
      {can(session, 'ops:dead-letters') && <FailedMails />}
    </div>
  );
}

/** "Dec 2026" -> "Dec" on the axis (twelve months side by side); the table names the year. */
const monthOnly = (label: string) => label.split(' ')[0] ?? label;

function CollectionsChart({ months }: { months: Month[] }) {
  const categories = useMemo(() => months.map((m) => monthLabel(m.period)), [months]);
  const series = useMemo(
    () => [
      { label: 'Billed', values: months.map((m) => m.billed), color: '#3b6ea8' },
      { label: 'Collected', values: months.map((m) => m.collected), color: '#2f9e6e' },
    ],
    [months],
  );
  const first = months[0]?.period ?? '';
  const last = months.at(-1)?.period ?? '';
  return (
    <>
      <BarChart
        title="Billed vs collected by month"
        categoryLabel="Month"
        categories={categories}
        series={series}
        tick={monthOnly}
      />
      <CsvButton
        path={`/api/reports/collections?from=${first}&to=${last}`}
        filename={`collections-${first}-${last}.csv`}
      />
    </>
  );
}

function AgingView({ report }: { report: Receivables }) {
  const categories = useMemo(() => BUCKETS.map(([, label]) => label), []);
  const series = useMemo(
    () => [{ label: 'Owed', values: BUCKETS.map(([k]) => report.totals[k]), color: '#c4572e' }],
    [report],
  );
  const overdue = report.customers
    .filter((c) => overdueCents(c) > 0n)
    .sort((a, b) => (overdueCents(b) > overdueCents(a) ? 1 : overdueCents(b) < overdueCents(a) ? -1 : 0))
    .slice(0, 10);
  return (
    <>
      <p className="summary">
        Owed on {report.asOf}: <strong>{money(report.totals.balanceDue)}</strong>, of which overdue{' '}
        <strong>{money(centsText(overdueCents(report.totals)))}</strong>.
      </p>
      <BarChart
        title="Receivables by days past due"
        categoryLabel="Days past due"
        categories={categories}
        series={series}
      />
      <h3>Largest overdue</h3>
      <Table
        label="Largest overdue customers"
        rows={overdue}
        empty="Nobody is overdue."
        columns={[
          { title: 'Customer', cell: (c) => <a href={`#/statement/${c.customerId}`}>{c.name}</a> },
          { title: 'Overdue', cell: (c) => money(centsText(overdueCents(c))) },
          { title: 'Over 90 days', cell: (c) => money(c.over90) },
          { title: 'Owed in all', cell: (c) => money(c.balanceDue) },
        ]}
      />
      <CsvButton
        path={`/api/reports/receivables?asOf=${report.asOf}`}
        filename={`receivables-${report.asOf}.csv`}
      />
    </>
  );
}

/** Downloads a Sales report as CSV (with the user's token, which a plain link could not send). */
export function CsvButton({
  path,
  filename,
  service = 'sales',
}: {
  path: string;
  filename: string;
  service?: 'sales';
}) {
  return (
    <button
      type="button"
      className="secondary"
      onClick={() => void download(service, path, 'text/csv', filename)}
    >
      Download CSV
    </button>
  );
}

function ThisMonthsRun({ period }: { period: string }) {
  const runs = useGet<{ items: Run[] }>('sales', `/api/invoice-runs?period=${period}&limit=1`);
  const run = runs.data?.items[0];
  return (
    <Section title="This month’s run">
      <ErrorBox error={runs.error} />
      {runs.loading && !runs.data ? (
        <Loading what="the run" />
      ) : run ? (
        <p>
          {monthLabel(run.period)}: <Badge value={run.status} /> {run.created} invoices made for{' '}
          {run.residents} residents, {run.skipped} skipped, {run.failed} failed.{' '}
          <a href="#/runs">Monthly runs</a>
        </p>
      ) : (
        <p>
          No run for {monthLabel(period)} yet. <a href="#/runs">Start it</a>
        </p>
      )}
    </Section>
  );
}

function OrdersWaiting() {
  const orders = useGet<{ items: Order[] }>('purchase', '/api/purchase-orders?status=submitted&limit=50');
  return (
    <LoadedSection title="Purchase orders waiting" loaded={orders} what="purchase orders">
      {(data) => (
        <Table
          label="Purchase orders waiting for approval"
          rows={data.items}
          empty="No purchase order is waiting."
          columns={[
            { title: 'Number', cell: (o) => <a href={`#/purchase-orders/${o.id}`}>{o.number}</a> },
            { title: 'Vendor', cell: (o) => o.vendorName },
            { title: 'Amount', cell: (o) => money(o.amount) },
            {
              title: 'Waiting for',
              cell: (o) => o.requiredRoles.slice(o.approvals.length).join(', ') || '—',
            },
          ]}
        />
      )}
    </LoadedSection>
  );
}

function FailedMails() {
  const failed = useLoad(
    () =>
      call<{ items: Array<{ id: string; type: string; reason: string }> }>(
        'notification',
        '/api/ops/dead-letters?status=open&limit=20',
      ),
    [],
  );
  return (
    <LoadedSection title="Mails that failed" loaded={failed} what="failed mails">
      {(data) =>
        data.items.length === 0 ? (
          <p className="empty">No mail has failed.</p>
        ) : (
          <p>
            {data.items.length} mail{data.items.length === 1 ? '' : 's'} could not be sent.{' '}
            <a href="#/operations">See them in Operations</a>
          </p>
        )
      }
    </LoadedSection>
  );
}
