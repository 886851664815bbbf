CREATE TABLE "agent_permission_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"agent_id" text NOT NULL,
	"tool" text NOT NULL,
	"command" text,
	"from_request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"run_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"issue_id" text,
	"kind" text NOT NULL,
	"tool" text,
	"tool_use_id" text,
	"input" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"answer" jsonb,
	"answered_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"answered_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agent_permission_rules" ADD CONSTRAINT "agent_permission_rules_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_requests" ADD CONSTRAINT "run_requests_run_id_heartbeat_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."heartbeat_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_permission_rules_agent_idx" ON "agent_permission_rules" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "run_requests_status_idx" ON "run_requests" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "run_requests_run_idx" ON "run_requests" USING btree ("run_id");