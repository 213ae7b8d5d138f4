CREATE TABLE "call_records" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"sip_call_id" text NOT NULL,
	"direction" text NOT NULL,
	"caller_number" text NOT NULL,
	"caller_name" text,
	"callee_number" text NOT NULL,
	"caller_line_id" uuid,
	"callee_line_id" uuid,
	"trunk_id" uuid,
	"started_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone NOT NULL,
	"duration_seconds" integer NOT NULL,
	"billable_seconds" integer NOT NULL,
	"disposition" text NOT NULL,
	"hangup_cause" text,
	"ended_by" text,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"legs" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lines" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"sip_username" text NOT NULL,
	"ha1_md5" text NOT NULL,
	"ha1_sha256" text NOT NULL,
	"caller_id_name" text,
	"internal_caller_id" text,
	"external_caller_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"external_calls_allowed" boolean DEFAULT false NOT NULL,
	"do_not_disturb" boolean DEFAULT false NOT NULL,
	"smart_do_not_disturb" boolean DEFAULT false NOT NULL,
	"forward_to" text,
	"when_unavailable" jsonb DEFAULT '{"action":"hangup"}'::jsonb NOT NULL,
	"ring_timeout_seconds" integer DEFAULT 30 NOT NULL,
	"internal_announcement_file_id" uuid,
	"external_announcement_file_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"prefix" text NOT NULL,
	"per_minute_micros" bigint NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rates_prefix_unique" UNIQUE("prefix")
);
--> statement-breakpoint
ALTER TABLE "numbers" ADD COLUMN "destination_line_id" uuid;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "sip_acl" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "max_external_calls" integer DEFAULT 10 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "monthly_spend_cap_micros" bigint;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "blocked_prefixes" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "dialing_rules" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "outbound_trunk_id" uuid;--> statement-breakpoint
ALTER TABLE "trunks" ADD COLUMN "secondary_host" text;--> statement-breakpoint
ALTER TABLE "trunks" ADD COLUMN "secondary_port" integer;--> statement-breakpoint
ALTER TABLE "trunks" ADD COLUMN "auth_mode" text DEFAULT 'ip' NOT NULL;--> statement-breakpoint
ALTER TABLE "trunks" ADD COLUMN "inbound_addresses" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "trunks" ADD COLUMN "username" text;--> statement-breakpoint
ALTER TABLE "trunks" ADD COLUMN "password" text;--> statement-breakpoint
ALTER TABLE "trunks" ADD COLUMN "register_expires" integer DEFAULT 600 NOT NULL;--> statement-breakpoint
ALTER TABLE "trunks" ADD COLUMN "number_format" text DEFAULT 'e164' NOT NULL;--> statement-breakpoint
ALTER TABLE "call_records" ADD CONSTRAINT "call_records_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lines" ADD CONSTRAINT "lines_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lines" ADD CONSTRAINT "lines_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lines" ADD CONSTRAINT "lines_internal_announcement_file_id_files_id_fk" FOREIGN KEY ("internal_announcement_file_id") REFERENCES "public"."files"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lines" ADD CONSTRAINT "lines_external_announcement_file_id_files_id_fk" FOREIGN KEY ("external_announcement_file_id") REFERENCES "public"."files"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "call_records_tenant" ON "call_records" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "call_records_tenant_started" ON "call_records" USING btree ("tenant_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "lines_tenant_username" ON "lines" USING btree ("tenant_id","sip_username");--> statement-breakpoint
CREATE UNIQUE INDEX "lines_person" ON "lines" USING btree ("person_id");--> statement-breakpoint
ALTER TABLE "numbers" ADD CONSTRAINT "numbers_destination_line_id_lines_id_fk" FOREIGN KEY ("destination_line_id") REFERENCES "public"."lines"("id") ON DELETE set null ON UPDATE no action;