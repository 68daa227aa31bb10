import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import './styles/base.css';

const app = createApp(App);
app.use(createPinia());
app.config.errorHandler = (err, _instance, info) => {
  console.error(`[renderer] ${info}:`, err);
};
app.mount('#app');

// Parse the charting library while the user is still choosing what to run, so that the first live
// chart of a run does not cost the UI thread a long task at the moment the run starts.
const preloadCharts = (): void => void import('./charts/echarts');
if ('requestIdleCallback' in window) window.requestIdleCallback(preloadCharts, { timeout: 3000 });
else setTimeout(preloadCharts, 1000);
