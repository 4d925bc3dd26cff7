/**
 * The fixed words of the domain, shared by the engine, the flows and the
 * database models (which import them from here, so the engine needs no model).
 */
export const CHANNELS = ['telegram', 'simulator', 'zalo-bot', 'zalo-oa'] as const;
export const LANGUAGES = ['vi', 'en'] as const;
/** 'reporter': a member the chair lets submit the club's weekly report. */
export const ROLES = ['member', 'volunteer', 'chair', 'vice_chair', 'staff', 'admin', 'reporter'] as const;
/** 'deleted': the member erased her data ("xoá dữ liệu"); the record stays, anonymised, for counts. */
export const MEMBER_STATUSES = ['pending', 'active', 'rejected', 'stopped', 'deleted'] as const;
export const GENDERS = ['female', 'male', 'other'] as const;
/** A member's answer to "will you come to the meeting": 1 có, 2 không, 3 chưa chắc. */
export const RSVPS = ['yes', 'no', 'maybe'] as const;
/**
 * Every conversation the bot knows, by id (flows/index.ts lists their code). A flow id in an
 * `open`, a `start` effect or `Engine.open` is checked against this list by the compiler.
 */
export const FLOW_IDS = [
  'menu',
  'language',
  'register',
  'registerProxy',
  'approve',
  'myInfo',
  'linkApp',
  'unlinkApps',
  'settings',
  'healthCheck',
  'healthAlert',
  'healthResults',
  'healthAlerts',
  'assign',
  'myPeople',
  'eraseData',
  'meetings',
  'meetingRule',
  'meetingMove',
  'meetingCancel',
  'meetingAdd',
  'meetingRsvp',
  'rollCall',
  'checkIn',
  'weeklyReport',
  'reportView',
  'reportReopen',
  'broadcast',
  'broadcastCancel',
  'broadcastAck',
] as const;
