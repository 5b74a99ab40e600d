// The words a person reads, in their language. One catalog: en.ts holds
// every message (the source, and the fallback for a key a language lacks);
// each other language is one file typed against it (de.ts, es.ts). An
// element's language is the `lang` of the element or its nearest ancestor
// (through shadow roots), else the page's; it is followed as it changes.
//
// Per element, not per page: two meetings on one page may speak two
// languages. Messages with a count or a name are functions, so each
// language words its own plurals and order.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { invalidOption } from '../../core/errors.js';
import { en } from './en.js';

/** Every message, in English: what a language file must provide. */
export type Messages = typeof en;
/** One language: each key of the catalog, as a string or a function of the same arguments. */
export type Translation = { readonly [K in keyof Messages]: Messages[K] };

/**
 * The kit's own languages, each fetched the first time an element needs it.
 * A new one is a file beside de.ts and its line here.
 */
const SHIPPED: Readonly<Record<string, () => Promise<{ default: Translation }>>> = {
  de: () => import('./de.js'),
  es: () => import('./es.js'),
};

/** Languages ready to use, by lowercase tag; `en` always. */
const ready = new Map<string, Messages>([['en', en]]);
const loading = new Map<string, Promise<Messages>>();
/** Localizers of elements on a page now, told when a `lang` changes or a language arrives. */
const connected = new Set<Localizer>();
const byHost = new WeakMap<ReactiveControllerHost, Localizer>();
let observer: MutationObserver | null = null;

const TAG = /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/;

/** The languages shipped with the kit, English first. */
export const shippedLanguages: readonly string[] = ['en', ...Object.keys(SHIPPED)];

/**
 * Adds a language, or replaces one (shipped ones too), from a site's own
 * file: `defineLanguage('fr', { leave: 'Quitter', … })`. A key it lacks is
 * said in English, so a translation made for an older version keeps
 * working; a key the catalog does not have, or a value of the wrong kind,
 * is a TypeError naming it. Elements speaking that language re-render.
 */
export function defineLanguage(tag: string, messages: Partial<Translation>): void {
  const code = typeof tag === 'string' ? tag.trim().toLowerCase() : '';
  if (!TAG.test(code)) throw invalidOption(`defineLanguage: "${String(tag)}" is not a language tag such as "fr" or "pt-br"`);
  if (typeof messages !== 'object' || messages === null) throw invalidOption(`defineLanguage("${code}"): the messages must be an object`);
  for (const [key, value] of Object.entries(messages)) {
    if (!Object.hasOwn(en, key)) throw invalidOption(`defineLanguage("${code}"): "${key}" is not a message of the catalog`);
    const wanted = typeof en[key as keyof Messages];
    if (typeof value !== wanted) throw invalidOption(`defineLanguage("${code}"): "${key}" must be a ${wanted}, not a ${typeof value}`);
  }
  ready.set(code, { ...en, ...messages } as Messages);
  loading.delete(code);
  for (const l of connected) l.follow();
}

/** The `lang` that applies to an element: its own or its nearest ancestor's, through shadow roots, else the page's. */
export function languageOf(element: Element): string {
  let node: Element | null = element;
  while (node) {
    const found = node.closest('[lang]');
    if (found) return found.getAttribute('lang') ?? '';
    const root = node.getRootNode();
    node = root instanceof ShadowRoot ? root.host : null;
  }
  return '';
}

/**
 * The language to speak for a `lang`: that tag if the kit has it, else its
 * base language ("de-AT" → "de"), else English.
 */
export function pickLanguage(lang: string): string {
  const parts = lang.trim().toLowerCase().replaceAll('_', '-').split('-');
  for (let n = parts.length; n > 0; n--) {
    const tag = parts.slice(0, n).join('-');
    if (ready.has(tag) || Object.hasOwn(SHIPPED, tag)) return tag;
  }
  return 'en';
}

/** The messages of a language the kit has (shipped or defined), fetching a shipped one once. */
export function loadLanguage(code: string): Promise<Messages> {
  const have = ready.get(code);
  if (have) return Promise.resolve(have);
  let pending = loading.get(code);
  if (!pending) {
    const load = SHIPPED[code];
    if (!load) return Promise.resolve(en);
    pending = load().then((module) => {
      // A site may have defined the language meanwhile: its own wins.
      const messages = ready.get(code) ?? { ...en, ...module.default };
      ready.set(code, messages);
      return messages;
    });
    pending.catch(() => loading.delete(code)); // tried again by the next element that needs it
    loading.set(code, pending);
  }
  return pending;
}

/** The Localizer of an element (made on first use): what a feature rendered by it speaks. */
export function localizer(host: ReactiveControllerHost & HTMLElement): Localizer {
  return byHost.get(host) ?? new Localizer(host);
}

const formats = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function format<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = formats.get(key) as T | undefined;
  if (!f) formats.set(key, (f = make()));
  return f;
}

type DurationFormatter = { format(d: { minutes: number; seconds: number }): string };
const DurationFormat = (Intl as unknown as { DurationFormat?: new (lang: string, o: object) => DurationFormatter }).DurationFormat;
const durations = new Map<string, DurationFormatter>();

/**
 * An element's language: `t` holds its messages, and the formatters speak
 * the same language. The element re-renders when its `lang` (or an
 * ancestor's, or the page's) changes, once that language has arrived.
 */
export class Localizer implements ReactiveController {
  /** The messages in the element's language now (English until another has arrived). */
  t: Messages = en;
  /** The language `t` is in: a lowercase tag such as "de". */
  lang = 'en';
  private wanted = 'en';

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    byHost.set(host, this);
    host.addController(this);
  }

  hostConnected(): void {
    connected.add(this);
    if (typeof MutationObserver === 'function') {
      observer ??= new MutationObserver(() => {
        for (const l of connected) l.follow();
      });
      // Any `lang` on the page; an element in another's shadow root is watched itself.
      observer.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'], subtree: true });
      if (this.host.getRootNode() !== document) observer.observe(this.host, { attributes: true, attributeFilter: ['lang'] });
    }
    this.follow();
  }

  hostDisconnected(): void {
    connected.delete(this);
  }

  /** Takes up the language `lang` now asks for, at once when it is ready, else once it arrives. */
  follow(): void {
    const code = pickLanguage(languageOf(this.host) || document.documentElement.lang);
    this.wanted = code;
    const have = ready.get(code);
    if (have) return this.use(code, have);
    loadLanguage(code).then(
      (messages) => {
        if (this.wanted === code) this.use(code, messages);
      },
      (error: unknown) => {
        // The element goes on in the language it has; the next change of `lang` tries again.
        console.warn(`secure-meeting: the "${code}" messages could not be loaded; staying in "${this.lang}"`, error);
      },
    );
  }

  private use(code: string, messages: Messages): void {
    if (this.lang === code && this.t === messages) return;
    this.lang = code;
    this.t = messages;
    this.host.requestUpdate();
  }

  /** A clock time in the element's language: "14:05", "2:05 PM". */
  time(at: number): string {
    return format(`t:${this.lang}`, () => new Intl.DateTimeFormat(this.lang, { hour: '2-digit', minute: '2-digit' })).format(at);
  }

  /** Minutes and seconds, as a clock shows them: "9:41". */
  duration(totalSeconds: number): string {
    const s = Math.max(0, Math.round(totalSeconds));
    const parts = { minutes: Math.floor(s / 60), seconds: s % 60 };
    if (DurationFormat) {
      let f = durations.get(this.lang);
      if (!f) durations.set(this.lang, (f = new DurationFormat(this.lang, { minutes: 'numeric', seconds: '2-digit' })));
      return f.format(parts);
    }
    const seconds = format(`s:${this.lang}`, () => new Intl.NumberFormat(this.lang, { minimumIntegerDigits: 2 }));
    return `${this.number(parts.minutes)}:${seconds.format(parts.seconds)}`;
  }

  /** A whole or decimal number in the element's language. */
  number(n: number, fractionDigits = 0): string {
    return format(`n${fractionDigits}:${this.lang}`, () => new Intl.NumberFormat(this.lang, { maximumFractionDigits: fractionDigits })).format(n);
  }

  /** A file's size in powers of 1024, as file managers show them: "5.0 MB", "1,5 MB", "500 bytes". */
  size(bytes: number): string {
    if (bytes < 1024) return format(`b:${this.lang}`, () => new Intl.NumberFormat(this.lang, { style: 'unit', unit: 'byte', unitDisplay: 'long' })).format(bytes);
    const units = ['kilobyte', 'megabyte', 'gigabyte'] as const;
    let value = bytes / 1024;
    let i = 0;
    while (value >= 1024 && i < units.length - 1) {
      value /= 1024;
      i++;
    }
    const unit = units[i]!;
    const digits = value < 10 ? 1 : 0;
    return format(`${unit}${digits}:${this.lang}`, () => new Intl.NumberFormat(this.lang, { style: 'unit', unit, minimumFractionDigits: digits, maximumFractionDigits: digits })).format(value);
  }
}
