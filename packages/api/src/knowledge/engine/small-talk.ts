/**
 * Chat fragments that are not questions: thanks, goodbyes, acknowledgements. Real chats are full
 * of them; they get a short friendly reply (or, in a livestream, none), never a refusal and never
 * an article. Greetings are not here: a shop's greeting intent answers those.
 */

export type SmallTalkKind = 'thanks' | 'goodbye' | 'ack' | 'praise';

const THANKS = /谢谢|多谢|感谢|谢啦|谢了|辛苦了|辛苦啦|\bthanks?\b|\bthank you\b|\bthx\b|\bty\b|\bcheers\b/;
const GOODBYE =
  /再见|拜拜|拜了|回头见|下次见|晚安|先这样|就这样|先不问了|没事了|没有了|先下了|下线了|先撤了|先走了|先忙了|去忙了|(?:明天|改天|回头|晚点|有空|下次)再(?:问|说|来|聊|看|逛|买)+|\bbye\b|\bgoodbye\b|\bsee you\b|\bgood night\b|\btalk later\b|\bgotta go\b/;
const ACK =
  /^(?:6{2,}|8{3,}|1|11+|好|好的|好滴|好嘞|好吧|行|行吧|可以|嗯|恩|哦|噢|ok|okay|okk|k|收到|明白|明白了|懂了|知道了|知道啦|了解|了解了|没问题|对|是的|对的|好哒|get|got it|sure|alright|fine|cool|great|nice|perfect|noted)$/;
// The same, global, to take them out (`replace` with a global pattern starts from 0 every time).
const THANKS_ALL = new RegExp(THANKS.source, 'g');
const GOODBYE_ALL = new RegExp(GOODBYE.source, 'g');
// What may stand around the cue without making it a question ("好的 多谢啦", "ok的", "收到 辛苦了").
const FILLER =
  /好的|好滴|好嘞|好吧|好哒|行吧|好|行|嗯|恩|哦|噢|ok的?|okay|收到|明白了?|懂了|知道了|知道啦|了解了?|那就|那先|那|先|就|这样|吧|啦|了|呀|哈|嘿|亲|你|您|们|我|主播|客服|小姐姐|老板|非常|太|很|真的?|的|so much|a lot|very|much|you|all|for|your|help|the|ok|okay|thanks|thank|bye|then|and|great|for now|\s/g;

// Praise for the goods or the service: a thank-you back, not the returns policy.
const PRAISE =
  /很满意|非常满意|挺满意|满意|好评|五星|好用|很好看|很喜欢|超喜欢|超赞|很赞|不错|质量很好|质量挺好|物超所值|回购|\blove it\b|\bgreat product\b|\bvery happy\b/;
// Goods asked for by a good word ("有没有好用的防晒", "推荐个好用的") ask, they do not praise.
const NOT_PRAISE =
  /不满意|不好用|不喜欢|不怎么样|一般般|但是|可是|就是|退|换|吗|\?|？|^(?:请问|那)?有|有没有|有什么|有啥|哪款|哪个|哪种|推荐|求|想要|想买/;

/**
 * The kind of small talk a normalised message is, or null when it carries anything else (a
 * question, a product, a complaint). Punctuation and emoji are already gone: an empty text (👍,
 * "？？") counts as an acknowledgement.
 */
export function smallTalkKind(normalized: string): SmallTalkKind | null {
  if (normalized.length === 0) return 'ack';
  if (normalized.length > 24) return null;
  const rest = (pattern: RegExp) => normalized.replace(pattern, ' ').replace(FILLER, '').trim();
  if (THANKS.test(normalized) && rest(THANKS_ALL) === '') return 'thanks';
  if (GOODBYE.test(normalized) && rest(GOODBYE_ALL) === '') return 'goodbye';
  const words = normalized.split(' ');
  if (words.every((w) => ACK.test(w) || w.replace(FILLER, '') === '')) return 'ack';
  if (PRAISE.test(normalized) && !NOT_PRAISE.test(normalized)) return 'praise';
  return null;
}
