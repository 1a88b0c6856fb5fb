// The public texts (privacy statement, accessibility statement): the server sends them
// parsed into blocks and spans; they are rendered as text nodes and checked links, never HTML.
import { get } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { errorText } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { getLanguage, t } from '../../i18n/index.js';

// The server only sends these; checked again so a link can never run script.
const SAFE_HREF = /^(https:\/\/|mailto:|tel:|\/(?!\/))/;

function Spans({ spans }) {
  return spans.map((span) =>
    span.href && SAFE_HREF.test(span.href) ? html`<a href=${span.href}>${span.text}</a>` : span.text,
  );
}

export function TextBlocks({ blocks }) {
  return blocks.map((block) => {
    if (block.kind === 'heading') return html`<h2><${Spans} spans=${block.spans} /></h2>`;
    if (block.kind === 'subheading') return html`<h3><${Spans} spans=${block.spans} /></h3>`;
    if (block.kind === 'list')
      return html`<ul>${block.items.map((item) => html`<li><${Spans} spans=${item} /></li>`)}</ul>`;
    return html`<p><${Spans} spans=${block.spans} /></p>`;
  });
}

function PublicText({ name }) {
  const language = getLanguage();
  const text = useLoad(() => get(`/texts/${name}`, { lang: language }), [name, language]);
  return html`
    <${Page} title=${t(`${name}.title`)}>
      ${text.error && html`<${Alert}>${errorText(text.error.code, text.error.detail)}</${Alert}>`}
      ${
        text.data
          ? html`<div class="public-text"><${TextBlocks} blocks=${text.data.blocks} /></div>`
          : !text.error && html`<${Loading} />`
      }
    </${Page}>`;
}

export const Privacy = () => html`<${PublicText} name="privacy" />`;
export const Accessibility = () => html`<${PublicText} name="accessibility" />`;
