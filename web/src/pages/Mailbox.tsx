import { ErrorBox, ListSection, Loading, Section, when } from '../components';
import { useGet } from '../hooks';

interface Email {
  id: string;
  to: string;
  subject: string;
  template: string;
  correlationId: string;
  sentAt: string;
}

function Mail({ id }: { id: string }) {
  const mail = useGet<Email & { html: string | null; text: string | null }>(
    'notification',
    `/api/emails/${id}`,
  );
  if (mail.loading && !mail.data) return <Loading what="the mail" />;
  if (!mail.data) return <ErrorBox error={mail.error} />;
  const m = mail.data;
  return (
    <Section title={m.subject}>
      <p>
        To {m.to}, {when(m.sentAt)} ·{' '}
        <a href={`#/timeline/${encodeURIComponent(m.correlationId)}`}>timeline</a>
      </p>
      {m.html ? (
        // Rendered mails are shown sandboxed: no script of theirs runs in the console.
        <iframe title={`Mail: ${m.subject}`} className="mail" sandbox="" srcDoc={m.html} />
      ) : (
        <pre>{m.text ?? 'Sent over SMTP: the body is with the mail server.'}</pre>
      )}
    </Section>
  );
}

export function Mailbox({ id }: { id: string | undefined }) {
  const list = useGet<{ items: Email[] }>('notification', '/api/emails?limit=50');
  return (
    <>
      {id && <Mail id={id} />}
      <ListSection
        title="Mailbox"
        label="Mails"
        loaded={list}
        what="mail"
        empty="No mail sent yet."
        columns={[
          { title: 'Subject', cell: (m) => <a href={`#/mailbox/${m.id}`}>{m.subject}</a> },
          { title: 'To', cell: (m) => m.to },
          { title: 'Template', cell: (m) => m.template },
          { title: 'Sent', cell: (m) => when(m.sentAt) },
        ]}
      />
    </>
  );
}
