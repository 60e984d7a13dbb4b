import { isQuestion } from './shopper-signals';
import { normalizeText } from './text-normalizer';

// 还有 written straight on to a short 吗-question ("现在下单还有赠品吗", "这个颜色还有货吗") asks whether
// something is still there — one question, not "also…"; after a comma or space it still parts.
const STRONG_BREAKS =
  /[？?！!。；;\n]+|(?:\s|，|,)*(?:另外|还有就是|(?:(?<=[\s，,])|^)还有|还有(?![^\s，,？?！!。]{1,6}[吗么](?:$|[\s，,？?！!。]))|顺便问一?下|顺便|以及|然后还想问|再问一?下)(?:\s|，|,)*/u;
const STILL_HAS = /还有(?=[^\s，,？?！!。]{1,6}[吗么](?:$|[\s，,？?！!。]))/u;
const MAX_PARTS = 3;

/**
 * Splits a message into the questions it asks ("保质期多久？可以退货吗？", "什么时候发货 发什么快递"):
 * at sentence ends and connectives, then at spaces between pieces that each ask something.
 * Statements around a question stay with it, so a long rambling message stays one part.
 */
export function splitQuestions(raw: string): string[] {
  const pieces: string[] = [];
  const chunks = raw.split(STRONG_BREAKS).flatMap((chunk) => {
    // "面霜多少钱还有包邮吗": a question before 还有 makes it "also"; a statement ("现在下单") a "still".
    const also = STILL_HAS.exec(chunk);
    return also && asks(chunk.slice(0, also.index))
      ? [chunk.slice(0, also.index), chunk.slice(also.index + 2)]
      : [chunk];
  });
  for (const chunk of chunks) {
    const words = chunk.split(/[\s，,]+/).filter(Boolean);
    let current = '';
    for (const word of words) {
      current = current ? `${current} ${word}` : word;
      if (asks(current) && asks(word)) {
        pieces.push(current);
        current = '';
      }
    }
    if (current) {
      if (pieces.length && !asks(current)) pieces[pieces.length - 1] += ` ${current}`;
      else pieces.push(current);
    }
  }
  const parts = pieces.map((p) => p.trim()).filter((p) => normalizeText(p).length > 0);
  return parts.length <= MAX_PARTS ? parts : [raw];
}

const asks = (text: string) => isQuestion(normalizeText(text), text);
