/**
 * Hidden views do not re-render.
 *
 * The app keeps its views alive while another tab is shown (App.vue's KeepAlive), and Vue keeps a
 * kept-alive component's render effect subscribed: every change to a store it reads (a run's record,
 * replaced on each stored batch; a live run's progress) would re-render it off screen, and its charts
 * would redraw there. Called in a component's setup, this pauses the component's render effect while
 * its view is hidden; what changed meanwhile renders once, when the view is shown again. Watchers keep
 * running (loaded data stays current); computed values are lazy and wait for the render that reads them.
 */
import { getCurrentInstance, onActivated, onDeactivated } from 'vue';

export function pauseRenderWhileHidden(): void {
  const instance = getCurrentInstance();
  if (!instance) return;
  onDeactivated(() => instance.effect.pause());
  onActivated(() => instance.effect.resume());
}
