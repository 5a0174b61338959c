/** One plain-text email: the gateway writes receipts and nothing else. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends email (SMTP in production, a loopback SMTP server in tests). */
export interface Mailer {
  /** Rejects when the message was not accepted; the caller decides what that means. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}
