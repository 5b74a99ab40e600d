/**
 * The invite (components/invite/): the link carries the channel in its
 * fragment and round-trips; the .ics parses with a real iCalendar parser
 * (ical.js), has its reminder, start, duration and link, folds and escapes
 * per RFC 5545, and never carries the password.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ICAL from 'ical.js';
import { en } from '../../components/i18n/en.js';
import { calendarFile, escapeText, foldLine, nextHalfHour, utcDateTime, type CalendarEvent } from '../../components/invite/ics.js';
import { buildInvite } from '../../components/invite/invite.js';
import { channelFromLink, channelKey, inviteLink, inviteText } from '../../components/invite/link.js';

const PASSWORD = 'correct horse battery staple';
const PAGE = 'https://meet.example/team/room.html?lang=fr&theme=dark#/agenda';

function event(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
  const url = inviteLink(PAGE, 42);
  return {
    start: new Date(Date.UTC(2026, 11, 3, 14, 30)),
    minutes: 45,
    summary: 'Meeting on channel 42',
    description: inviteText(42, url, en),
    url,
    uid: 'c0ffee@secure-meeting',
    stamp: new Date(Date.UTC(2026, 11, 1, 21, 40, 5)),
    ...overrides,
  };
}

test('the link keeps the page path, query and own fragment, and round-trips the channel', { timeout: 5000 }, () => {
  const link = inviteLink(PAGE, 42);
  const url = new URL(link);
  assert.equal(url.origin + url.pathname, 'https://meet.example/team/room.html');
  assert.equal(url.search, '?lang=fr&theme=dark');
  assert.equal(url.hash, '#/agenda&sm-channel=42');
  assert.equal(channelFromLink(link), 42);
  // Building again replaces the channel rather than adding a second one.
  const again = inviteLink(link, 7);
  assert.equal(new URL(again).hash, '#/agenda&sm-channel=7');
  assert.equal(channelFromLink(again), 7);
  assert.equal(inviteLink('https://meet.example/', 1), 'https://meet.example/#sm-channel=1');
});

test('each namespace has its own key, so two meetings on one page are prefilled apart', { timeout: 5000 }, () => {
  assert.equal(channelKey(''), 'sm-channel');
  assert.equal(channelKey('default'), 'sm-channel');
  assert.equal(channelKey('a&b=c'), 'sm-channel.a%26b%3Dc');
  const both = inviteLink(inviteLink('https://meet.example/', 5, 'sales'), 9, 'a&b=c');
  assert.equal(channelFromLink(both, 'sales'), 5);
  assert.equal(channelFromLink(both, 'a&b=c'), 9);
  assert.equal(channelFromLink(both), undefined);
});

test('hostile or stale links are ignored, never thrown', { timeout: 5000 }, () => {
  const at = (hash: string, max?: number) => channelFromLink(`https://meet.example/${hash}`, '', max);
  for (const hash of ['#sm-channel=0', '#sm-channel=1001', '#sm-channel=-3', '#sm-channel=1e3', '#sm-channel=0x10',
    '#sm-channel=%20%2012', '#sm-channel=', '#sm-channel', '#sm-channel=99999999999999999999', '#sm-channel=%E0%A4%A',
    '#sm-channel=4.5', '#sm-channel=<script>', '', '#']) {
    assert.equal(at(hash), undefined, hash);
  }
  assert.equal(at('#sm-channel=12', 10), undefined);
  assert.equal(at('#sm-channel=10', 10), 10);
  assert.equal(channelFromLink('not a url'), undefined);
  assert.equal(at('#sm-channel=007'), 7);
  assert.throws(() => inviteLink(PAGE, 0), /^TypeError: secure-meeting: invite channel/);
  assert.throws(() => inviteLink(PAGE, Number.NaN), TypeError);
});

test('the invite text says to share the password another way, and has the link', { timeout: 5000 }, () => {
  const link = inviteLink(PAGE, 42);
  assert.equal(inviteText(42, link, en), `Join channel 42 at ${link}. The password is shared separately: never send it with this link.`);
});

test('the .ics parses with ical.js: start, duration, link, and a display reminder 15 minutes before', { timeout: 5000 }, () => {
  const e = event();
  const ics = calendarFile(e);
  const cal = new ICAL.Component(ICAL.parse(ics));
  assert.equal(cal.getFirstPropertyValue('version'), '2.0');
  const vevent = cal.getFirstSubcomponent('vevent')!;
  const parsed = new ICAL.Event(vevent);
  assert.equal(parsed.uid, 'c0ffee@secure-meeting');
  assert.equal(parsed.startDate.toJSDate().getTime(), e.start.getTime());
  assert.equal(parsed.duration.toSeconds(), 45 * 60);
  assert.equal(parsed.endDate.toJSDate().getTime(), e.start.getTime() + 45 * 60_000);
  assert.equal(parsed.summary, 'Meeting on channel 42');
  assert.equal(parsed.description, e.description);
  assert.equal(vevent.getFirstPropertyValue('url'), e.url);
  assert.equal(channelFromLink(String(vevent.getFirstPropertyValue('url'))), 42);
  assert.equal((vevent.getFirstPropertyValue('dtstamp') as ICAL.Time).toJSDate().getTime(), e.stamp!.getTime());
  const alarms = vevent.getAllSubcomponents('valarm');
  assert.equal(alarms.length, 1);
  assert.equal(alarms[0]!.getFirstPropertyValue('action'), 'DISPLAY');
  const trigger = alarms[0]!.getFirstPropertyValue('trigger') as ICAL.Duration;
  assert.equal(trigger.toString(), '-PT15M');
  assert.equal(trigger.toSeconds(), -15 * 60);
  assert.ok(alarms[0]!.getFirstPropertyValue('description'));
});

test('the invite never holds the password of the meeting it is built from', { timeout: 5000 }, () => {
  // What <secure-meeting> last joined with, password included: only the channel may come out.
  const joined = { channel: 42, password: PASSWORD, name: 'Ada', namespace: 'sales' };
  const invite = buildInvite(joined, { page: PAGE, start: new Date(Date.UTC(2026, 11, 3, 14)), minutes: 60, uid: 'u@x' }, en);
  assert.equal(channelFromLink(invite.link, 'sales'), 42);
  assert.ok(invite.ics.includes('URL:') && invite.text.includes(invite.link));
  const unfolded = invite.ics.replace(/\r\n /g, '');
  assert.ok(unfolded.includes(`URL:${invite.link}`));
  for (const where of [invite.link, invite.text, unfolded, invite.filename]) {
    for (const form of [PASSWORD, escapeText(PASSWORD), encodeURIComponent(PASSWORD), 'horse']) assert.ok(!where.includes(form), form);
  }
});

test('CRLF line endings, every line at most 75 octets, unfolding gives the content back', { timeout: 5000 }, () => {
  const long = `Réunion «équipe» — ${'数据'.repeat(40)} 🎉🎉🎉, with; commas\nand lines`;
  const ics = calendarFile(event({ summary: long, description: long }));
  assert.ok(ics.endsWith('\r\n'));
  assert.ok(!/[^\r]\n/.test(ics), 'a bare LF');
  const lines = ics.slice(0, -2).split('\r\n');
  for (const line of lines) assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `${Buffer.byteLength(line)} octets: ${line}`);
  assert.ok(lines.some((l) => l.startsWith(' ')), 'nothing was folded');
  // No character was split across lines (each line is valid UTF-8 on its own).
  for (const line of lines) assert.equal(Buffer.from(Buffer.from(line, 'utf8').toString('utf8')).toString(), line);
  const parsed = new ICAL.Event(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent')!);
  assert.equal(parsed.summary, long);
  assert.equal(parsed.description, long);
});

test('folding and escaping, by the letter of RFC 5545', { timeout: 5000 }, () => {
  assert.equal(escapeText('a,b;c\\d\ne\r\nf'), 'a\\,b\\;c\\\\d\\ne\\nf');
  assert.equal(foldLine('x'.repeat(75)), 'x'.repeat(75));
  assert.equal(foldLine('x'.repeat(76)), `${'x'.repeat(75)}\r\n x`);
  assert.equal(foldLine('x'.repeat(75 + 74 + 1)), `${'x'.repeat(75)}\r\n ${'x'.repeat(74)}\r\n x`);
  // A 3-octet character that would straddle octet 75 moves whole to the next line.
  assert.equal(foldLine(`${'x'.repeat(73)}€`), `${'x'.repeat(73)}\r\n €`);
  assert.equal(utcDateTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '20260102T030405Z');
});

test('bad input to the file is a clear TypeError', { timeout: 5000 }, () => {
  assert.throws(() => calendarFile(event({ minutes: 0 })), /^TypeError: secure-meeting: meeting duration/);
  assert.throws(() => calendarFile(event({ minutes: 1441 })), TypeError);
  assert.throws(() => calendarFile(event({ minutes: 1.5 })), TypeError);
  assert.throws(() => calendarFile(event({ start: new Date(Number.NaN) })), /not a valid date/);
  assert.throws(() => calendarFile(event({ url: 'https://x.example/\r\nATTACH:evil' })), /control characters/);
});

test('the default start is the next full or half hour, strictly later', { timeout: 5000 }, () => {
  const local = (h: number, m: number, s = 0) => new Date(2026, 11, 1, h, m, s);
  assert.equal(nextHalfHour(local(21, 37, 2)).getTime(), local(22, 0).getTime());
  assert.equal(nextHalfHour(local(21, 5)).getTime(), local(21, 30).getTime());
  assert.equal(nextHalfHour(local(21, 30)).getTime(), local(22, 0).getTime());
  assert.equal(nextHalfHour(local(21, 0)).getTime(), local(21, 30).getTime());
  assert.equal(nextHalfHour(local(23, 45)).getTime(), new Date(2026, 11, 2, 0, 0).getTime());
});
