-- What this service did with each correlation id (read by GET /api/ops/trace/{correlationId}).
CREATE TABLE activity (
  id bigserial PRIMARY KEY,
  correlation_id text NOT NULL,
  organization_id uuid,
  action text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_correlation_idx ON activity (correlation_id, id);
