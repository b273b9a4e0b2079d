// Questions on the terminal: plain answers, hidden passwords, yes/no confirmations.
// Prompts go to stderr so stdout stays clean for the command's output. The
// streams are parameters so the logic is tested with fake ones.
import { read } from 'read';

export interface PromptStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

const standard = (): PromptStreams => ({ input: process.stdin, output: process.stderr });

export class Prompt {
  readonly streams: PromptStreams;

  constructor(streams: PromptStreams = standard()) {
    this.streams = streams;
  }

  /** A person is there to answer: stdin is a terminal. */
  get isInteractive(): boolean {
    return this.streams.input.isTTY === true;
  }

  async ask(question: string): Promise<string> {
    return (await read({ prompt: question, input: this.streams.input, output: this.streams.output })).trim();
  }

  /** A password: nothing is echoed (read puts the terminal in silent mode). */
  async askHidden(question: string): Promise<string> {
    const answer = await read({ prompt: question, silent: true, replace: '', input: this.streams.input, output: this.streams.output });
    // The muted line's Enter is not echoed either; end the line for what comes next.
    if (this.streams.output.isTTY) this.streams.output.write('\n');
    return answer;
  }

  /** Yes only for "y" or "yes"; anything else (Enter too) is no. */
  async confirm(question: string): Promise<boolean> {
    const answer = await read({ prompt: `${question} [y/N] `, input: this.streams.input, output: this.streams.output });
    return /^(y|yes)$/i.test(answer.trim());
  }
}

/** All of standard input (a piped token, say), without its final newline. */
export async function readStdin(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
