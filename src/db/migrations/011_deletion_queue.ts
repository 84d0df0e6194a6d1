import type { MigrationBuilder } from 'node-pg-migrate';

// The hourly push's queue, split from the ledger (bench/README.md, "Deletion push"):
// - dsrflow.deletion_outbox stays the ledger: a request enters it once (its primary key), and it is never emptied,
//   so a retried first erasure pass cannot enqueue a request a second time, whatever downstream does with the
//   warehouse table.
// - dsrflow.deletion_queue holds the rows still to push, already in the warehouse table's shape (identifiers copied
//   from request_subjects when the request is enqueued). The push deletes them and inserts them in one statement:
//   a delete is ~8x cheaper than marking a row pushed, and there is nothing left to join.
// - A trigger on the ledger fills the queue, in the transaction of the ledger row, so every writer queues the
//   request: a worker still running the code before this migration (rolling deploy) included.
// Rows still pending in the ledger move to the queue here. The ledger's pushed_at is no longer written: the time a
// row was pushed is in the warehouse table (deletion_requests.pushed_at).
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.deletion_queue (
      seq bigint generated always as identity primary key,
      request_id uuid not null unique references dsrflow.requests (id),
      user_key text,
      email text,
      customer_id text,
      phone text,
      regulation text not null,
      requested_at timestamptz not null
    );
    create function dsrflow.deletion_outbox_queue() returns trigger language plpgsql as $$
    begin
      insert into dsrflow.deletion_queue (request_id, user_key, email, customer_id, phone, regulation, requested_at)
      select new.request_id, new.user_key, s.email, s.customer_id, s.phone, new.regulation, new.requested_at
      from (values (1)) as one (n) left join dsrflow.request_subjects s on s.request_id = new.request_id;
      return null;
    end $$;
    create trigger deletion_outbox_queue after insert on dsrflow.deletion_outbox
      for each row execute function dsrflow.deletion_outbox_queue();
    insert into dsrflow.deletion_queue (request_id, user_key, email, customer_id, phone, regulation, requested_at)
    select o.request_id, o.user_key, s.email, s.customer_id, s.phone, o.regulation, o.requested_at
    from dsrflow.deletion_outbox o left join dsrflow.request_subjects s on s.request_id = o.request_id
    where o.pushed_at is null
    order by o.enqueued_at, o.request_id;
    drop index dsrflow.deletion_outbox_pending_idx;
    comment on column dsrflow.deletion_outbox.pushed_at is
      'written by pushes before migration 011 only; since then pending rows are in deletion_queue and the push time is deletion_requests.pushed_at';
  `);
};
