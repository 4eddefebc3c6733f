import prettier from 'prettier';

/** JSON as the repository's Prettier settings lay it out, so generated files pass `prettier --check`. */
export async function formatJson(file: string, value: unknown): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(value), { ...options, filepath: file });
}
