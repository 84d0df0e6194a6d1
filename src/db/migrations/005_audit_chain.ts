import type { MigrationBuilder } from 'node-pg-migrate';

/**
 * The audit trail becomes tamper-evident in the database itself:
 * - append-only: UPDATE, DELETE and TRUNCATE raise, whoever the client is (only a superuser disabling the
 *   trigger can edit a row, and the hash chain then shows it);
 * - hash-chained: a BEFORE INSERT trigger numbers each event (chain_seq) and sets
 *   hash = sha256(prev_hash || canonical content) under a transaction-level advisory lock, so concurrent
 *   inserts chain one after another in commit order. `ON CONFLICT (event_key) DO NOTHING` keeps working:
 *   a skipped row leaves no trace in the chain.
 * Existing rows are chained in id order before the triggers are installed.
 */
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    alter table dsrflow.audit_events
      add column chain_seq bigint,
      add column prev_hash text,
      add column hash text;

    -- The canonical content of an event, as text: jsonb prints keys in a fixed order, timestamps in UTC to the microsecond.
    create function dsrflow.audit_event_content(e dsrflow.audit_events) returns text
    language sql stable as $$
      select jsonb_build_array(
        e.chain_seq, e.id, e.event_key, e.request_id, e.organization_id,
        to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor, e.action, e.from_status, e.to_status, e.reason, e.details
      )::text
    $$;

    create function dsrflow.audit_event_hash(prev_hash text, e dsrflow.audit_events) returns text
    language sql stable as $$
      select encode(sha256(convert_to(prev_hash || dsrflow.audit_event_content(e), 'UTF8')), 'hex')
    $$;

    -- Chain the events already recorded, in the order they were written.
    do $$
    declare
      r record;
      prev text := repeat('0', 64);
      seq bigint := 0;
      e dsrflow.audit_events;
    begin
      for r in select id from dsrflow.audit_events order by id loop
        seq := seq + 1;
        update dsrflow.audit_events set chain_seq = seq, prev_hash = prev where id = r.id returning * into e;
        prev := dsrflow.audit_event_hash(prev, e);
        update dsrflow.audit_events set hash = prev where id = r.id;
      end loop;
    end $$;

    alter table dsrflow.audit_events
      alter column chain_seq set not null,
      alter column prev_hash set not null,
      alter column hash set not null,
      add constraint audit_events_chain_seq_key unique (chain_seq),
      add constraint audit_events_hash_format check (hash ~ '^[0-9a-f]{64}$' and prev_hash ~ '^[0-9a-f]{64}$');
    create index audit_events_occurred_idx on dsrflow.audit_events (occurred_at, id);

    create function dsrflow.audit_events_chain() returns trigger
    language plpgsql volatile as $$
    declare
      last_seq bigint;
      last_hash text;
    begin
      -- One writer at a time until commit: the next statement's snapshot sees the previous event (READ COMMITTED).
      -- Under REPEATABLE READ a concurrent insert would reuse a chain_seq and fail on its unique key, never fork.
      perform pg_advisory_xact_lock(7363487001);
      select chain_seq, hash into last_seq, last_hash from dsrflow.audit_events order by chain_seq desc limit 1;
      new.chain_seq := coalesce(last_seq, 0) + 1;
      new.prev_hash := coalesce(last_hash, repeat('0', 64));
      new.hash := dsrflow.audit_event_hash(new.prev_hash, new);
      return new;
    end $$;

    create function dsrflow.audit_events_refuse_change() returns trigger
    language plpgsql as $$
    begin
      raise exception 'dsrflow.audit_events is append-only: % refused', tg_op
        using errcode = 'insufficient_privilege', hint = 'Audit events are never changed or deleted';
    end $$;

    create trigger audit_events_chain before insert on dsrflow.audit_events
      for each row execute function dsrflow.audit_events_chain();
    create trigger audit_events_append_only before update or delete on dsrflow.audit_events
      for each row execute function dsrflow.audit_events_refuse_change();
    create trigger audit_events_no_truncate before truncate on dsrflow.audit_events
      for each statement execute function dsrflow.audit_events_refuse_change();

    -- Connected systems' external ids: the same (source, external id) never opens a second request.
    create table dsrflow.request_sources (
      source text not null,
      external_id text not null,
      request_id uuid not null unique references dsrflow.requests (id),
      created_at timestamptz not null default now(),
      primary key (source, external_id)
    );
  `);
};
