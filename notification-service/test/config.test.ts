import { loadConfig } from '../src/config';

describe('notification-service config', () => {
  it('when SMTP_URL is blank, then it counts as unset (notifications are recorded, not mailed) instead of failing start-up', () => {
    expect(loadConfig({ SMTP_URL: '' }).SMTP_URL).toBeUndefined();
    expect(loadConfig({ SMTP_URL: '  ' }).SMTP_URL).toBeUndefined();
  });

  it('when SMTP_URL is set, then it is used; a malformed one still fails start-up, naming it', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://mail.local:587' }).SMTP_URL).toBe('smtp://mail.local:587');
    expect(() => loadConfig({ SMTP_URL: 'not a url' })).toThrow(/SMTP_URL/);
  });
});
