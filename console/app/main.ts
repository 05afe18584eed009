/** The operator console: a skip link, the navigation, and the page the hash route names. */
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { DeliveryList, DeliveryPage } from './deliveries.js';
import { MessagePage } from './message.js';
import { Overview } from './overview.js';
import { ReplayPage } from './replay.js';
import { useRoute, type Route } from './router.js';
import { EditSubscription, NewSubscription } from './subscription-form.js';
import { SubscriptionList, SubscriptionPage } from './subscriptions.js';
import { html } from './ui.js';

const NAV = [
  ['/overview', 'Overview'],
  ['/subscriptions', 'Subscriptions'],
  ['/deliveries', 'Deliveries'],
  ['/replay', 'Replay'],
] as const;

function page(route: Route) {
  const [, section, id, action] = route.path.split('/');
  if (section === 'subscriptions' && id === 'new') return html`<${NewSubscription} />`;
  if (section === 'subscriptions' && id && action === 'edit') return html`<${EditSubscription} id=${id} />`;
  if (section === 'subscriptions' && id) return html`<${SubscriptionPage} id=${id} />`;
  if (section === 'subscriptions') return html`<${SubscriptionList} route=${route} />`;
  if (section === 'deliveries' && id) return html`<${DeliveryPage} id=${id} />`;
  if (section === 'deliveries') return html`<${DeliveryList} route=${route} />`;
  if (section === 'messages' && id) return html`<${MessagePage} id=${id} />`;
  if (section === 'replay') return html`<${ReplayPage} route=${route} />`;
  return html`<${Overview} />`;
}

function App() {
  const route = useRoute();
  const section = `/${route.path.split('/')[1] ?? ''}`;
  return html`<a class="skip" href="#main" onClick=${(e: Event) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
    <header>
      <span class="brand">Hookline console</span>
      <nav aria-label="Main">
        <ul>${NAV.map(([path, label]) => html`<li><a href=${`#${path}`} aria-current=${section === path ? 'page' : undefined}>${label}</a></li>`)}</ul>
      </nav>
    </header>
    <main id="main" tabindex="-1"><${'div'} key=${route.path}>${page(route)}<//></main>`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
