// The meeting's toolbar: a list of items, each one toolbar control (or a
// few that belong together), laid out in at most two rows. What does not fit
// moves into the "More" menu, least important first (layout.ts); pinned
// items (microphone and camera, Leave) always stay.
//
// Adding a control is one line in <secure-meeting>'s toolbarItems():
//   { key: 'chat', priority: 2, render: () => chatButton(this.chat) },
// `priority`: lower stays in the toolbar longer (default 5); `pinned`: never moves.
//
// "More" is a disclosure button (aria-expanded, aria-controls) over a group
// of the same buttons, not an ARIA menu: they keep their own roles and
// states (aria-pressed toggles, aria-expanded panel buttons), which menu
// items could not carry. Keyboard: Enter/Space opens it and focus moves to
// the first control; arrow keys, Home/End or Tab move between them; Escape
// closes it and focus returns to "More".
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { overflowKeys } from './layout.js';
import { localizer } from '../i18n/i18n.js';

export interface ToolbarItem {
  /** Stable and unique: the item's measured width is remembered by it. */
  readonly key: string;
  readonly render: () => unknown;
  /** Never moves into "More". */
  readonly pinned?: boolean;
  /** Lower stays in the toolbar longer when space runs out. Default 5. */
  readonly priority?: number;
}

const DEFAULT_PRIORITY = 5;
/** Used until the More button has been measured. */
const MORE_WIDTH = 100;
const MAX_ROWS = 2;

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment; readonly shadowRoot: ShadowRoot | null };

export class ToolbarController implements ReactiveController {
  open = false;
  /** Keys of the items in the "More" menu now. */
  private overflow = new Set<string>();
  private readonly widths = new Map<string, number>();
  private moreWidth = MORE_WIDTH;
  private items: readonly ToolbarItem[] = [];
  /** The bar and each of its items, observed for size: measured after layout, never by forcing one. */
  private readonly observed = new Set<Element>();
  // Measured in the next frame, once for every size that changed: measuring (and so moving items)
  // inside the observer's callback would change sizes it has not delivered yet.
  private readonly resize = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.measureSoon()) : null;
  private frame: number | null = null;
  /** What the last measure saw: the bar's inner width and gap. */
  private space: { available: number; gap: number } | null = null;
  private laidOut = '';

  constructor(private readonly host: Host) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.resize?.disconnect();
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.observed.clear();
    document.removeEventListener('pointerdown', this.outside, true);
  }

  /**
   * Runs after every update of the host, which in a meeting is many times a
   * second while members join: it reads no layout. New elements are
   * observed, and the observer measures them once laid out; an item gone
   * only needs the sums again, from the widths already measured.
   */
  hostUpdated(): void {
    const bar = this.bar();
    const now = new Set<Element>(bar ? [bar, ...bar.querySelectorAll(':scope > [data-tool], :scope > [data-more]')] : []);
    for (const el of this.observed) if (!now.has(el)) this.resize?.unobserve(el);
    for (const el of now) if (!this.observed.has(el)) this.resize?.observe(el);
    this.observed.clear();
    for (const el of now) this.observed.add(el);
    if (!this.resize && bar) this.measure(); // no ResizeObserver: measure as it happens
    else if (this.items.map((i) => i.key).join() !== this.laidOut) this.place();
  }
  /** The toolbar, with the items given; call from render(). */
  render(items: readonly ToolbarItem[]) {
    this.items = items;
    const shown = items.filter((i) => !this.overflow.has(i.key));
    const hidden = items.filter((i) => this.overflow.has(i.key));
    const last = shown.at(-1);
    const tool = (i: ToolbarItem) => html`<div class="tool" data-tool=${i.key}>${i.render()}</div>`;
    return html`
      <div part="toolbar" role="group" aria-label=${localizer(this.host).t.toolbarLabel}>
        ${repeat(shown.slice(0, -1), (i) => i.key, tool)}
        ${hidden.length > 0 ? this.renderMore(hidden, tool) : nothing}
        ${last ? repeat([last], (i) => i.key, tool) : nothing}
      </div>
    `;
  }

  close(focusButton = false): void {
    if (!this.open) return;
    this.open = false;
    document.removeEventListener('pointerdown', this.outside, true);
    this.host.requestUpdate();
    if (focusButton) void this.host.updateComplete.then(() => this.moreButton()?.focus());
  }

  private renderMore(hidden: readonly ToolbarItem[], tool: (i: ToolbarItem) => unknown) {
    const t = localizer(this.host).t;
    return html`
      <div class="more" data-more>
        <button part="button more" type="button" aria-expanded=${this.open ? 'true' : 'false'} aria-controls="more-controls"
          @click=${() => this.toggle()} @keydown=${(e: KeyboardEvent) => this.onButtonKey(e)}>${t.toolbarMore}</button>
        <div id="more-controls" part="more-menu" role="group" aria-label=${t.toolbarMoreLabel} ?hidden=${!this.open}
          @keydown=${(e: KeyboardEvent) => this.onMenuKey(e)}>
          ${repeat(hidden, (i) => i.key, tool)}
        </div>
      </div>
    `;
  }

  private toggle(): void {
    if (this.open) return this.close(true);
    this.open = true;
    document.addEventListener('pointerdown', this.outside, true);
    this.host.requestUpdate();
    void this.host.updateComplete.then(() => this.controls()[0]?.focus());
  }

  /** A press anywhere but "More" and its controls closes it. */
  private readonly outside = (e: Event) => {
    const more = this.host.renderRoot.querySelector('[data-more]');
    if (more && !e.composedPath().includes(more)) this.close();
  };

  private onButtonKey(e: KeyboardEvent): void {
    if (e.key === 'Escape' && this.open) {
      e.preventDefault();
      this.close(true);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!this.open) this.toggle();
      else (e.key === 'ArrowDown' ? this.controls()[0] : this.controls().at(-1))?.focus();
    }
  }

  private onMenuKey(e: KeyboardEvent): void {
    const controls = this.controls();
    const at = controls.indexOf(this.host.shadowRoot?.activeElement as HTMLElement);
    const go = (i: number) => {
      e.preventDefault();
      controls[(i + controls.length) % controls.length]?.focus();
    };
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      this.close(true);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowRight') go(at + 1);
    else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(controls.length - 1);
  }

  private bar(): HTMLElement | null {
    return this.host.renderRoot.querySelector<HTMLElement>('[part~=toolbar]');
  }

  private moreButton(): HTMLElement | null {
    return this.host.renderRoot.querySelector<HTMLElement>('[part~=more]');
  }

  private controls(): HTMLElement[] {
    return [...this.host.renderRoot.querySelectorAll<HTMLElement>('#more-controls button:not(:disabled), #more-controls select, #more-controls input')];
  }

  private measureSoon(): void {
    this.frame ??= requestAnimationFrame(() => {
      this.frame = null;
      this.measure();
    });
  }

  /** Widths of the items in the toolbar now (those in the menu keep the last one seen), then what must move. */
  private measure(): void {
    const bar = this.bar();
    if (!bar || bar.clientWidth === 0) return;
    for (const el of bar.querySelectorAll<HTMLElement>(':scope > [data-tool]')) {
      this.widths.set(el.dataset['tool'] as string, el.getBoundingClientRect().width);
    }
    const more = bar.querySelector<HTMLElement>(':scope > [data-more]');
    if (more) this.moreWidth = more.getBoundingClientRect().width;
    const style = getComputedStyle(bar);
    this.space = {
      available: bar.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
      gap: parseFloat(style.columnGap) || 0,
    };
    this.place();
  }

  /** Which items move into "More", from the widths measured. */
  private place(): void {
    if (!this.space) return;
    this.laidOut = this.items.map((i) => i.key).join();
    const next = overflowKeys(
      this.items.map((i) => ({ key: i.key, width: this.widths.get(i.key) ?? 0, pinned: i.pinned === true, priority: i.priority ?? DEFAULT_PRIORITY })),
      this.space.available, this.space.gap, this.moreWidth, MAX_ROWS,
    );
    if ([...next].join() === [...this.overflow].join()) return;
    this.overflow = next;
    if (next.size === 0) this.close();
    this.host.requestUpdate();
  }
}
