CREATE TABLE "check_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"issue_id" text NOT NULL,
	"run_id" text,
	"command" text NOT NULL,
	"tree_sha" text,
	"status" text DEFAULT 'running' NOT NULL,
	"exit_code" integer,
	"log_path" text,
	"failing_lines" text,
	"sent_back" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "review_comments" (
	"id" text PRIMARY KEY NOT NULL,
	"issue_id" text NOT NULL,
	"worktree_id" text NOT NULL,
	"path" text NOT NULL,
	"line" integer NOT NULL,
	"commit_sha" text NOT NULL,
	"tree_sha" text NOT NULL,
	"line_text" text NOT NULL,
	"body" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"sent_comment_id" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "merge_method" text;--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "archive_branch" text;--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "archive_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "port_base" integer;--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "setup_log" text;--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "setup_exit_code" integer;--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "pr_url" text;--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "pr_number" integer;--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "pr_state" text;--> statement-breakpoint
ALTER TABLE "issue_workspaces" ADD COLUMN "pr_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "check_runs" ADD CONSTRAINT "check_runs_issue_id_issues_id_fk" FOREIGN KEY ("issue_id") REFERENCES "public"."issues"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_comments" ADD CONSTRAINT "review_comments_issue_id_issues_id_fk" FOREIGN KEY ("issue_id") REFERENCES "public"."issues"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "check_runs_issue_idx" ON "check_runs" USING btree ("issue_id","created_at");--> statement-breakpoint
CREATE INDEX "review_comments_issue_idx" ON "review_comments" USING btree ("issue_id","created_at");