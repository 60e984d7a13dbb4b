/**
 * Whether the Chinese reading of an English question saw what it asks. A Chinese shop's knowledge
 * meets English through the lexicon's glosses; words no gloss took ("student", "dryer", "animals")
 * never reach the ranking, so a question can be matched on its one glossed word ("discount") with
 * full confidence while its topic ("student discount") is one the notes never mention. The words
 * left are the question's grammar and the generic verbs of asking, listed here; what remains is
 * topic the reading did not see.
 */

// The grammar of English questions and the verbs, nouns and adverbs of asking and shopping that
// carry no topic of their own. Lower-case, as normalised text has them ("doesn't" → "doesn").
const NO_TOPIC = new Set(
  (
    'the and but for nor yet not all any some each every both few more most much many such own same ' +
    'than too very just also only even still ever never again already really quite rather please pls ' +
    'thanks thank thx hello hey hiya there here where when what whats which who whom whose why how ' +
    'can could would should will shall may might must does did doing done have has had having are was ' +
    'were been being isn aren wasn weren doesn didn don won wouldn couldn shouldn haven hasn hadn cant ' +
    'dont wont its it’s this that these those they them their theirs you your yours our ours ourselves ' +
    'mine myself yourself his her hers him she with without within from into onto out off over under ' +
    'about above below after before since until till while during through across along around between ' +
    'then now soon later today tomorrow yesterday tonight week weeks day days month months year years ' +
    'time times hour minute long once twice other another else something anything nothing everything ' +
    'someone anyone thing things stuff way ways one ones lot lots bit kind sort type get gets got getting ' +
    'give gives gave make makes made take takes took want wants wanted need needs needed like likes ' +
    'liked know knew tell told say says said see seen look looks looking ask asked asking help try tried ' +
    'put let use used using come comes came goes going gone went keep kept think thought mean means sure ' +
    'okay yes yeah nope able possible available allowed way also via per able ok well good bad better ' +
    'best new old first last next item items product products thing buy bought buying purchase ' +
    'purchased shop store still happen happens happened case instead whether because though although ' +
    'either neither anyway maybe perhaps actually currently recently usually normally just guys ' +
    'hers would wanna gonna gotta lol hmm umm per each every instead rather send sends sent sending ' +
    'receive received spend spends spent pay pays paid paying money yuan rmb cny dollar dollars cents ' +
    'usd total amount apply applies applied applying work works worked working show shows shown ' +
    'showing method methods option options kinds types sorts info information detail details ' +
    'question questions policy policies rule rules process procedure accept accepted take ' +
    'disappeared vanished missing'
  ).split(/\s+/),
);

/** The words an English question says that its reading never saw (none for Chinese text). */
export function unseenTopic(unread: readonly string[], known: (word: string) => boolean): string[] {
  if (unread.length === 0) return unread as string[];
  const unseen = unread.filter((w) => !NO_TOPIC.has(w) && !NO_TOPIC.has(w.replace(/s$/, '')) && !known(w));
  // "my refund is still processing": when all that went unread says where the matter named stands,
  // the matter is the question. Beside another unread word ("…processing, can I add an item") the
  // state words count with it.
  return unseen.every((w) => STATE.has(w)) ? [] : unseen;
}

// Words that say where a matter stands, not what it is.
const STATE = new Set('processing processed pending status progress stuck'.split(' '));
