CREATE TABLE "issue_workspaces" (
	"id" text PRIMARY KEY NOT NULL,
	"issue_id" text NOT NULL,
	"agent_id" text,
	"repo_path" text NOT NULL,
	"path" text NOT NULL,
	"branch" text NOT NULL,
	"base_branch" text NOT NULL,
	"base_commit" text NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"merged_commit" text,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "issue_workspaces_active_uq" ON "issue_workspaces" USING btree ("issue_id") WHERE state = 'active';--> statement-breakpoint
CREATE INDEX "issue_workspaces_issue_idx" ON "issue_workspaces" USING btree ("issue_id","created_at");