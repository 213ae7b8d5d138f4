CREATE TABLE "queue_members" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"queue_id" uuid NOT NULL,
	"person_id" uuid,
	"line_id" uuid,
	"skills" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ring_timeout_seconds" integer,
	"logged_in" boolean DEFAULT true NOT NULL,
	"paused_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "queues" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"strategy" text DEFAULT 'ring-all' NOT NULL,
	"ring_timeout_seconds" integer DEFAULT 20 NOT NULL,
	"wrap_up_seconds" integer DEFAULT 10 NOT NULL,
	"max_wait_seconds" integer DEFAULT 600 NOT NULL,
	"max_callers" integer DEFAULT 50 NOT NULL,
	"music_prompt_id" uuid,
	"announce_position" boolean DEFAULT true NOT NULL,
	"announce_wait_time" boolean DEFAULT true NOT NULL,
	"announce_every_seconds" integer DEFAULT 60 NOT NULL,
	"callback_key" text,
	"service_level_seconds" integer DEFAULT 20 NOT NULL,
	"record" boolean DEFAULT false NOT NULL,
	"team_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recordings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"call_id" text NOT NULL,
	"source" text NOT NULL,
	"path" text NOT NULL,
	"caller_number" text NOT NULL,
	"callee_number" text NOT NULL,
	"person_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"queue_id" uuid,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"duration_ms" integer,
	"bytes" bigint,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "team_members" (
	"team_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"role" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "voicemail_boxes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"person_id" uuid,
	"queue_id" uuid,
	"name" text NOT NULL,
	"pin_hash" text,
	"greeting" jsonb DEFAULT '{"kind":"default"}'::jsonb NOT NULL,
	"max_message_seconds" integer DEFAULT 120 NOT NULL,
	"emails" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attach_audio" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "voicemail_messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"box_id" uuid NOT NULL,
	"call_id" text,
	"caller_number" text NOT NULL,
	"caller_name" text,
	"status" text DEFAULT 'new' NOT NULL,
	"duration_ms" integer NOT NULL,
	"path" text NOT NULL,
	"bytes" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lines" ADD COLUMN "recording" jsonb DEFAULT '{"inboundInternal":false,"inboundExternal":false,"outboundInternal":false,"outboundExternal":false,"onDemand":false}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "feature_codes" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "recording_retention_days" integer DEFAULT 365 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "recording_consent_prompt_id" uuid;--> statement-breakpoint
ALTER TABLE "queue_members" ADD CONSTRAINT "queue_members_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_members" ADD CONSTRAINT "queue_members_queue_id_queues_id_fk" FOREIGN KEY ("queue_id") REFERENCES "public"."queues"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_members" ADD CONSTRAINT "queue_members_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_members" ADD CONSTRAINT "queue_members_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queues" ADD CONSTRAINT "queues_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queues" ADD CONSTRAINT "queues_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicemail_boxes" ADD CONSTRAINT "voicemail_boxes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicemail_boxes" ADD CONSTRAINT "voicemail_boxes_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicemail_boxes" ADD CONSTRAINT "voicemail_boxes_queue_id_queues_id_fk" FOREIGN KEY ("queue_id") REFERENCES "public"."queues"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicemail_messages" ADD CONSTRAINT "voicemail_messages_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicemail_messages" ADD CONSTRAINT "voicemail_messages_box_id_voicemail_boxes_id_fk" FOREIGN KEY ("box_id") REFERENCES "public"."voicemail_boxes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "queue_members_queue" ON "queue_members" USING btree ("queue_id");--> statement-breakpoint
CREATE INDEX "queue_members_person" ON "queue_members" USING btree ("person_id");--> statement-breakpoint
CREATE UNIQUE INDEX "queues_tenant_name" ON "queues" USING btree ("tenant_id","name");--> statement-breakpoint
CREATE INDEX "recordings_tenant_started" ON "recordings" USING btree ("tenant_id","started_at");--> statement-breakpoint
CREATE INDEX "recordings_expires" ON "recordings" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "team_members_team_person" ON "team_members" USING btree ("team_id","person_id");--> statement-breakpoint
CREATE INDEX "team_members_person" ON "team_members" USING btree ("person_id");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_tenant_name" ON "teams" USING btree ("tenant_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "voicemail_boxes_person" ON "voicemail_boxes" USING btree ("person_id");--> statement-breakpoint
CREATE UNIQUE INDEX "voicemail_boxes_queue" ON "voicemail_boxes" USING btree ("queue_id");--> statement-breakpoint
CREATE INDEX "voicemail_boxes_tenant" ON "voicemail_boxes" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "voicemail_messages_box" ON "voicemail_messages" USING btree ("box_id","created_at");