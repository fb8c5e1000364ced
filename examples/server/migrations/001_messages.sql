-- The inbox's conversations and messages. Idempotency lives here, not in the node: a webhook redelivered or an
-- agent send retried is one row even when two nodes receive it at the same moment (INSERT ... ON CONFLICT).

CREATE TABLE rooms (
  room_id      text PRIMARY KEY CHECK (length(room_id) BETWEEN 1 AND 128),
  contact_name text,
  unread       integer NOT NULL DEFAULT 0 CHECK (unread >= 0),
  created_seq  bigserial NOT NULL  -- first-seen order, to list rooms without messages stably
);

CREATE TABLE messages (
  seq          bigserial PRIMARY KEY,
  id           text NOT NULL CHECK (length(id) BETWEEN 1 AND 256),  -- the WhatsApp message id (wamid)
  room_id      text NOT NULL REFERENCES rooms (room_id),
  text         text NOT NULL,
  user_id      jsonb,        -- the agent's id as the client sent it (string or number); null for the customer
  direction    text NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
  status       text NOT NULL CHECK (status IN ('pending', 'received', 'sent', 'delivered', 'read', 'failed')),
  ts           bigint NOT NULL,  -- ms; unique within a room so paging by `before` never skips or repeats
  sender       text,             -- the webhook's `from` (incoming only)
  contact_name text,
  client_id    text CHECK (length(client_id) BETWEEN 1 AND 128),  -- the client's idempotency key (agent sends)
  CONSTRAINT messages_wamid_unique UNIQUE (id),
  CONSTRAINT messages_client_id_unique UNIQUE (room_id, client_id),
  CONSTRAINT messages_room_ts_unique UNIQUE (room_id, ts)
);

-- Receipts only move forward: sent/received -> delivered -> read; failed is terminal and cannot follow read.
CREATE FUNCTION status_moves_forward(cur text, nxt text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN cur = nxt OR cur = 'failed' THEN false
    WHEN nxt = 'failed' THEN cur <> 'read'
    ELSE coalesce((ARRAY[0, 1, 1, 2, 3])[array_position(ARRAY['pending', 'received', 'sent', 'delivered', 'read'], nxt)], -1)
       > coalesce((ARRAY[0, 1, 1, 2, 3])[array_position(ARRAY['pending', 'received', 'sent', 'delivered', 'read'], cur)], -1)
  END
$$;
