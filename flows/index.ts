/** Every conversation the bot knows. Later flows (health check, attendance, reports…) are added here. */
import type { Flow } from '../src/engine/flow.ts';
import { approveFlow } from './approve.ts';
import { assignFlow } from './assign.ts';
import { eraseDataFlow } from './erase-data.ts';
import { languageFlow } from './language.ts';
import { linkAppFlow } from './link-app.ts';
import { menuFlow } from './menu.ts';
import { myInfoFlow } from './my-info.ts';
import { myPeopleFlow } from './my-people.ts';
import { registerFlow, registerProxyFlow } from './register.ts';
import { settingsFlow } from './settings.ts';
import { unlinkAppsFlow } from './unlink-apps.ts';

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
  assignFlow,
  myPeopleFlow,
  eraseDataFlow,
];
