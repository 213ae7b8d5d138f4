// The call-flow editor (loaded on demand).
import { Page } from '../ui/layout.tsx';

export default function FlowEditorPage() {
  return (
    <Page title="Call flows">
      <p>The editor is being built.</p>
    </Page>
  );
}
