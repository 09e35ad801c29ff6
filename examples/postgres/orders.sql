-- The tables of the CDC examples: public.orders (the source, with a few rows) and the empty
-- public.orders_copy that examples/pg-to-pg keeps equal to it.
CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, customer text, total numeric(10,2), status text, created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS orders_copy (id int PRIMARY KEY, customer text, total numeric(10,2), status text, created_at timestamptz);
INSERT INTO orders (id, customer, total, status) VALUES (1, 'ann', 12.50, 'new'), (2, 'bob', 7.00, 'new'), (3, 'cy', 99.90, 'paid') ON CONFLICT DO NOTHING;
