/** Every conversation the bot knows. Later flows (health check, attendance, reports…) are added here. */
import type { Flow } from '../src/engine/flow.ts';
import { approveFlow } from './approve.ts';
import { assignFlow } from './assign.ts';
import { broadcastFlow } from './broadcast.ts';
import { broadcastAckFlow } from './broadcast-ack.ts';
import { broadcastCancelFlow } from './broadcast-cancel.ts';
import { checkInFlow } from './check-in.ts';
import { eraseDataFlow } from './erase-data.ts';
import { healthAlertFlow } from './health-alert.ts';
import { healthAlertsFlow } from './health-alerts.ts';
import { healthCheckFlow } from './health-check.ts';
import { healthResultsFlow } from './health-results.ts';
import { languageFlow } from './language.ts';
import { linkAppFlow } from './link-app.ts';
import { meetingAddFlow } from './meeting-add.ts';
import { meetingCancelFlow } from './meeting-cancel.ts';
import { meetingMoveFlow } from './meeting-move.ts';
import { meetingRsvpFlow } from './meeting-rsvp.ts';
import { meetingRuleFlow } from './meeting-rule.ts';
import { meetingsFlow } from './meetings.ts';
import { menuFlow } from './menu.ts';
import { myInfoFlow } from './my-info.ts';
import { myPeopleFlow } from './my-people.ts';
import { registerFlow, registerProxyFlow } from './register.ts';
import { reportReopenFlow } from './report-reopen.ts';
import { reportViewFlow } from './report-view.ts';
import { rollCallFlow } from './roll-call.ts';
import { settingsFlow } from './settings.ts';
import { unlinkAppsFlow } from './unlink-apps.ts';
import { weeklyReportFlow } from './weekly-report.ts';

export const flows: Flow[] = [
  menuFlow,
  languageFlow,
  registerFlow,
  registerProxyFlow,
  approveFlow,
  myInfoFlow,
  linkAppFlow,
  unlinkAppsFlow,
  settingsFlow,
  healthCheckFlow,
  healthAlertFlow,
  healthResultsFlow,
  healthAlertsFlow,
  assignFlow,
  myPeopleFlow,
  eraseDataFlow,
  meetingsFlow,
  meetingRuleFlow,
  meetingMoveFlow,
  meetingCancelFlow,
  meetingAddFlow,
  meetingRsvpFlow,
  rollCallFlow,
  checkInFlow,
  weeklyReportFlow,
  reportViewFlow,
  reportReopenFlow,
  broadcastFlow,
  broadcastCancelFlow,
  broadcastAckFlow,
];
