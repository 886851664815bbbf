DROP INDEX "runs_active_idx";--> statement-breakpoint
ALTER TABLE "heartbeat_runs" ADD COLUMN "host_instance_id" text;--> statement-breakpoint
ALTER TABLE "heartbeat_runs" ADD COLUMN "pending_input" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "runs_active_idx" ON "heartbeat_runs" USING btree ("status") WHERE status in ('queued', 'starting', 'running');