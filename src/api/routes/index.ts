import { apiKeyRoutes } from './api-keys.ts';
import { auditRoutes } from './audit-events.ts';
import { authRoutes } from './auth.ts';
import { callRecordRoutes } from './call-records.ts';
import { callingRoutes } from './calling.ts';
import { contactRoutes } from './contacts.ts';
import { deliveryMethodRoutes } from './delivery-methods.ts';
import { eventRoutes } from './events.ts';
import { featureCodeRoutes } from './feature-codes.ts';
import { flowTestRoutes } from './flow-tests.ts';
import { invitationRoutes } from './invitations.ts';
import { lineRoutes } from './lines.ts';
import { liveCallRoutes } from './live-calls.ts';
import { meRoutes } from './me.ts';
import { numberRoutes } from './numbers.ts';
import { operatorRoutes } from './operator.ts';
import { peopleRoutes } from './people.ts';
import { portInRoutes } from './port-in.ts';
import { promptRoutes } from './prompts.ts';
import { queueRoutes } from './queues.ts';
import { recordingRoutes } from './recordings.ts';
import { signupRoutes } from './signup.ts';
import { teamRoutes } from './teams.ts';
import { tenantRoutes } from './tenant.ts';
import { voicemailRoutes } from './voicemail.ts';
import { workspaceRoutes } from './workspace.ts';

export const routePlugins = [
  signupRoutes,
  authRoutes,
  meRoutes,
  tenantRoutes,
  featureCodeRoutes,
  callingRoutes,
  peopleRoutes,
  teamRoutes,
  invitationRoutes,
  numberRoutes,
  lineRoutes,
  callRecordRoutes,
  liveCallRoutes,
  eventRoutes,
  portInRoutes,
  contactRoutes,
  apiKeyRoutes,
  auditRoutes,
  workspaceRoutes,
  flowTestRoutes,
  promptRoutes,
  queueRoutes,
  recordingRoutes,
  deliveryMethodRoutes,
  voicemailRoutes,
  operatorRoutes,
];
