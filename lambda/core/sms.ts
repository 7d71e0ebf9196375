import {
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { Locale } from './organisations';

/**
 * The invite SMS, sent with AWS End User Messaging SMS (`SendTextMessage`). The text is short,
 * names the organisation and the reference, says how long the link works and that no reply is
 * needed, and carries our own link, never a shortener: what a person can check before tapping.
 */

export interface InviteText {
  organisationName: string;
  reference?: string;
  link: string;
  lifetimeMinutes: number;
}

const TEMPLATES: Record<Locale, (t: InviteText) => string> = {
  en: (t) =>
    `${t.organisationName}${t.reference ? ` (ref ${t.reference})` : ''}: to show us your situation by video, photo or location, open ${t.link} - valid ${t.lifetimeMinutes} min. No reply needed.`,
  fr: (t) =>
    `${t.organisationName}${t.reference ? ` (réf ${t.reference})` : ''} : pour nous montrer la situation en vidéo, photo ou position, ouvrez ${t.link} - valable ${t.lifetimeMinutes} min. Inutile de répondre.`,
  nl: (t) =>
    `${t.organisationName}${t.reference ? ` (ref ${t.reference})` : ''}: toon ons de situatie met video, foto of locatie via ${t.link} - geldig ${t.lifetimeMinutes} min. U hoeft niet te antwoorden.`,
  de: (t) =>
    `${t.organisationName}${t.reference ? ` (Ref ${t.reference})` : ''}: Zeigen Sie uns die Lage per Video, Foto oder Standort: ${t.link} - gültig ${t.lifetimeMinutes} Min. Keine Antwort nötig.`,
  es: (t) =>
    `${t.organisationName}${t.reference ? ` (ref ${t.reference})` : ''}: para mostrarnos la situación con vídeo, foto o ubicación, abra ${t.link} - válido ${t.lifetimeMinutes} min. No hace falta responder.`,
};

export function inviteText(locale: Locale, text: InviteText): string {
  return TEMPLATES[locale](text);
}

export interface SmsSettings {
  configurationSet?: string;
  protectConfigurationId?: string;
  /** The organisation's sender identity, else the deployment's. */
  originationIdentity?: string;
  /** The most we pay per message part, in USD, as a string ("0.50"). */
  maxPrice?: string;
}

/** The settings from the handler's environment (design: SMS_* variables). */
export function smsSettingsFromEnv(): SmsSettings {
  const pick = (name: string) => (process.env[name] ? process.env[name] : undefined);
  return {
    configurationSet: pick('SMS_CONFIGURATION_SET'),
    protectConfigurationId: pick('SMS_PROTECT_CONFIGURATION_ID'),
    originationIdentity: pick('SMS_ORIGINATION_IDENTITY'),
    maxPrice: pick('SMS_MAX_PRICE'),
  };
}

/** The SendTextMessage input: transactional, priced and timed out with the link. */
export function sendTextInput(input: {
  to: string;
  body: string;
  ttlSeconds: number;
  settings: SmsSettings;
  context: Record<string, string>;
}): SendTextMessageCommandInput {
  const { settings } = input;
  return {
    DestinationPhoneNumber: input.to,
    MessageBody: input.body,
    MessageType: 'TRANSACTIONAL',
    // An SMS that arrives after its link has expired is useless; the service drops it instead.
    TimeToLive: Math.max(5, Math.min(259_200, input.ttlSeconds)),
    ...(settings.maxPrice ? { MaxPrice: settings.maxPrice } : {}),
    ...(settings.configurationSet ? { ConfigurationSetName: settings.configurationSet } : {}),
    ...(settings.protectConfigurationId ? { ProtectConfigurationId: settings.protectConfigurationId } : {}),
    ...(settings.originationIdentity ? { OriginationIdentity: settings.originationIdentity } : {}),
    Context: input.context,
  };
}

let client: PinpointSMSVoiceV2Client | undefined;

/** Sends one text; returns the service's message id. */
export async function sendText(input: SendTextMessageCommandInput): Promise<string> {
  client ??= new PinpointSMSVoiceV2Client({ maxAttempts: 2 });
  const out = await client.send(new SendTextMessageCommand(input));
  if (!out.MessageId) throw new Error('SendTextMessage returned no MessageId');
  return out.MessageId;
}
