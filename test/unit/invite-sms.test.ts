import { checkPhoneNumber, maskPhoneNumber } from '../../lambda/core/invites';
import { LOCALES } from '../../lambda/core/organisations';
import { inviteText, sendTextInput } from '../../lambda/core/sms';

describe('invite SMS', () => {
  const link = 'https://sightline.example/c/#AwRSD5Ut___OC0cEmxsT9fSrRj76wUei2RR6Nrl9WpY';

  test.each(LOCALES)(
    'the %s text names the organisation and reference, carries our link, asks no reply',
    (locale) => {
      const text = inviteText(locale, {
        organisationName: 'Brussels 112',
        reference: 'INC-9',
        link,
        lifetimeMinutes: 60,
      });
      expect(text).toContain('Brussels 112');
      expect(text).toContain('INC-9');
      expect(text).toContain(link);
      expect(text).toContain('60');
      // One link only, and ours: no shortener, nothing else to tap.
      expect(text.match(/https?:\/\//g)).toHaveLength(1);
      expect(text.length).toBeLessThan(300);
    },
  );

  test('SendTextMessage input: transactional, priced, timed out with the link, our configuration', () => {
    const input = sendTextInput({
      to: '+32470123456',
      body: 'x',
      ttlSeconds: 3600,
      settings: {
        configurationSet: 'cs',
        protectConfigurationId: 'pc-1',
        originationIdentity: 'Sightline',
        maxPrice: '0.50',
      },
      context: { inviteId: 'inv_x' },
    });
    expect(input).toEqual({
      DestinationPhoneNumber: '+32470123456',
      MessageBody: 'x',
      MessageType: 'TRANSACTIONAL',
      TimeToLive: 3600,
      MaxPrice: '0.50',
      ConfigurationSetName: 'cs',
      ProtectConfigurationId: 'pc-1',
      OriginationIdentity: 'Sightline',
      Context: { inviteId: 'inv_x' },
    });
  });

  test('numbers: valid mobiles of allowed countries pass, masked to code and last two digits', () => {
    expect(checkPhoneNumber('+32470123456', ['BE'])).toEqual({
      e164: '+32470123456',
      country: 'BE',
      masked: '+32 •••••••56',
    });
    expect(maskPhoneNumber('+447700900123', '44')).toBe('+44 ••••••••23');
    expect(() => checkPhoneNumber('+33612345678', ['BE'])).toThrow(/may not send/);
    expect(() => checkPhoneNumber('+3222345678', ['BE'])).toThrow(/mobile/);
    expect(() => checkPhoneNumber('+32470', ['BE'])).toThrow(/E\.164/);
  });
});
