// A Vue 3 page: <secure-meeting> in a template, with isCustomElement so Vue
// leaves it to the browser, `.adapterOptions` (a .prop binding: the API key
// must reach the element as a property) and @peer-join / @meeting-join.
import { createApp } from 'vue';
import 'secure-meeting';

const app = createApp({
  data: () => ({ peers: [] as string[], joined: false, options: { apiKey: 'framework-key' } }),
  template: `
    <main>
      <secure-meeting relay="/relay/[TOPIC]?apiKey=[API_KEY]" .adapterOptions="options"
        @meeting-join="joined = true" @peer-join="peers.push($event.peer.name)"></secure-meeting>
      <p id="app-state">{{ joined ? 'joined' : 'not joined' }}; peers: {{ peers.join(',') }}</p>
    </main>`,
});
app.config.compilerOptions.isCustomElement = (tag) => ['secure-meeting', 'join-gate', 'peer-tile'].includes(tag);
app.mount('#root');
