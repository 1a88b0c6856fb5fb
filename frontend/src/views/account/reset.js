import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { ChoosePassword } from './activate.js';

export function Reset({ search }) {
  return html`<${ChoosePassword} search=${search} endpoint="/auth/password/reset"
    title=${t('reset.title')} intro=${t('reset.intro')} />`;
}
