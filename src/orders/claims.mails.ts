// The claim e-mail (one template for every step of a claim), merged into orders' templates.
import type { MailContent, MailContext } from '../mail/render.js';

interface ClaimMail {
  purchaseId: number;
  claimId: number;
  event: 'opened' | 'accepted' | 'answered' | 'disputed' | 'decided';
  refundCents: number;
  /** The recipient's page of the claim (the buyer's on the purchase, the seller's on /sales). */
  path: string;
}

const TEXTS: Record<ClaimMail['event'], string> = {
  opened: 'A buyer opened a claim on your sale. Accept it (a refund) or answer within 3 business days.',
  accepted: 'The seller accepted your claim and you were refunded {amount}.',
  answered: 'The seller answered your claim. If you disagree, you can ask an administrator to decide.',
  disputed: 'The buyer disagrees with your answer: an administrator will decide.',
  decided: 'An administrator decided the claim; the refund is {amount}. The reason is on the claim page.',
};

export const claimMails = {
  claim_update: (d: ClaimMail, ctx: MailContext): MailContent => ({
    subject: ctx.language.t('Purchase #{id}: news about a claim', { id: d.purchaseId }),
    greeting: ctx.language.t('Hello,'),
    paragraphs: [ctx.language.t(TEXTS[d.event], { amount: ctx.language.money(d.refundCents) })],
    action: { label: ctx.language.t('See the claim'), url: ctx.link(d.path) },
  }),
};
