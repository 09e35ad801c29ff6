/** Every generated documentation page: path in the repository → content. */
import { cliReferencePage } from '../cli/reference.js';
import { referencePages } from '../connectors/reference.js';

export async function generatedPages(): Promise<Record<string, string>> {
  return { ...(await referencePages()), 'docs/reference/cli.md': cliReferencePage() };
}
