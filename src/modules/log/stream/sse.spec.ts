import { commentMessage, eventMessage, namedMessage, parseLastEventId, retryMessage } from './sse';

describe('Server-Sent Events framing', () => {
  it('frames a log event with its position as id, and ends every message with a blank line', () => {
    expect(eventMessage(42, '{"a":"x\\ny"}')).toBe('id: 42\ndata: {"a":"x\\ny"}\n\n');
    expect(namedMessage('checkpoint', { checkpoint: 7 }, 7)).toBe('id: 7\nevent: checkpoint\ndata: {"checkpoint":7}\n\n');
    expect(namedMessage('dropped', { lastEventId: 3 })).toBe('event: dropped\ndata: {"lastEventId":3}\n\n');
    expect(commentMessage('heartbeat')).toBe(': heartbeat\n\n');
    expect(retryMessage(1000)).toBe('retry: 1000\n\n');
  });

  describe('when a client sends Last-Event-ID', () => {
    it('reads a position', () => {
      expect(parseLastEventId('17')).toBe(17);
      expect(parseLastEventId(['5'])).toBe(5);
    });

    it('treats an absent or empty header as none', () => {
      expect(parseLastEventId(undefined)).toBeNull();
      expect(parseLastEventId('')).toBeNull();
    });

    it('calls anything but 1-15 digits malformed', () => {
      expect(parseLastEventId('999999999999999')).toBe(999_999_999_999_999);
      for (const bad of ['-1', '1.5', 'abc', '9999999999999999', '1e3', ' 5']) expect(parseLastEventId(bad)).toBe('invalid');
    });
  });
});
