-- A user who is also a customer (a resident paying their own bills): their token names the
-- customer, and services show them that customer's documents only. One customer per user.
CREATE TABLE user_customer (
  user_id uuid PRIMARY KEY REFERENCES app_user (id),
  customer_id uuid NOT NULL REFERENCES customer (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
