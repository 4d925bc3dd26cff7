/**
 * Every kind of message the bot sends, and two rules that follow from the kind:
 *
 * - **essential**: a member who opted out of non-essential messages still gets it (answers,
 *   approvals, codes, health alerts, urgent announcements); reminders, nudges and ordinary
 *   announcements are not essential.
 * - **holdAtNight**: whether quiet hours may hold it until morning. Never for what a person is
 *   waiting for right now (a reply, a one-time code); an `urgent` message is never held whatever
 *   its kind, and neither is any message that answers one (`replyTo`).
 * - **keepText**: whether the Message log stores its text (for MESSAGE_TEXT_RETENTION_DAYS).
 *   Replies are needed only until delivered, and one-time codes must not be readable later.
 *
 * A new kind is added here first; `Outbound.kind` only accepts the kinds listed.
 */

interface KindRules {
  essential: boolean;
  holdAtNight: boolean;
  keepText: boolean;
}

export const MESSAGE_KINDS = {
  /** The bot's answer in a conversation the person is having. */
  reply: { essential: true, holdAtNight: false, keepText: false },
  /** A one-time code that confirms a chat; the person waits for it. */
  confirm_code: { essential: true, holdAtNight: false, keepText: false },
  /** A leader is asked to approve someone waiting to join. */
  approval_request: { essential: true, holdAtNight: true, keepText: true },
  /** A member is told a leader's decision on their joining. */
  decision: { essential: true, holdAtNight: true, keepText: true },
  /** A notice about the person's own account or club (a chat linked, people unreachable). */
  notice: { essential: true, holdAtNight: true, keepText: true },
  /**
   * A leader is told that a member erased her data and left: it names her, so its text is not
   * kept in the log (she asked for her data to be gone).
   */
  member_left: { essential: true, holdAtNight: true, keepText: false },
  /** A health alert to a volunteer or the chair (emergencies are sent `urgent`). */
  health_alert: { essential: true, holdAtNight: true, keepText: true },
  /** A question left unanswered, asked again once (see `Step.timeout`). */
  unanswered_reminder: { essential: true, holdAtNight: true, keepText: false },
  /** A reminder of a meeting. */
  meeting_reminder: { essential: false, holdAtNight: true, keepText: true },
  /** A leader is reminded that the weekly report is due. */
  report_nudge: { essential: false, holdAtNight: true, keepText: true },
  /** A member (or her proxy) is invited into the club's health round, and nudged once. */
  health_round: { essential: false, holdAtNight: true, keepText: true },
  /** Staff's announcement to an area (an urgent one is essential and goes at once). */
  announcement: { essential: false, holdAtNight: true, keepText: true },
} as const satisfies Record<string, KindRules>;

export type MessageKind = keyof typeof MESSAGE_KINDS;

/** Whether an opted-out member still gets this kind of message; an urgent message always is essential. */
export function isEssential(kind: MessageKind, urgent = false): boolean {
  return urgent || MESSAGE_KINDS[kind].essential;
}

/** What quiet hours look at in a message (an `Outbound` has all of it). */
export interface HoldableMessage {
  kind?: MessageKind;
  urgent?: boolean;
  replyTo?: string;
}

/** Whether quiet hours may hold this message until morning. A message with no kind is a reply. */
export function mayHoldAtNight(message: HoldableMessage): boolean {
  if (message.urgent || message.replyTo !== undefined) return false;
  return MESSAGE_KINDS[message.kind ?? 'reply'].holdAtNight;
}
