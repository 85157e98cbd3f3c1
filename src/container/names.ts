// Random container names in Docker's adjective_surname style. The lists are our
// own: notable scientists and engineers, as Docker's namesgenerator honours.

const ADJECTIVES = [
  'admiring', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'bold', 'brave', 'busy', 'charming', 'clever',
  'cool', 'compassionate', 'competent', 'confident', 'crazy', 'dazzling', 'determined', 'eager', 'ecstatic', 'elated',
  'elegant', 'epic', 'exciting', 'fervent', 'festive', 'focused', 'friendly', 'funny', 'gallant', 'gifted', 'goofy',
  'gracious', 'happy', 'hopeful', 'hungry', 'inspiring', 'intelligent', 'interesting', 'jolly', 'jovial', 'keen', 'kind',
  'laughing', 'loving', 'lucid', 'magical', 'modest', 'musing', 'mystifying', 'naughty', 'nervous', 'nice', 'nifty',
  'nostalgic', 'objective', 'optimistic', 'peaceful', 'pensive', 'practical', 'priceless', 'quirky', 'quizzical',
  'relaxed', 'reverent', 'romantic', 'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'sweet', 'tender', 'thirsty',
  'trusting', 'upbeat', 'vibrant', 'vigilant', 'vigorous', 'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous', 'zen',
];

const NAMES = [
  'agnesi', 'albattani', 'allen', 'archimedes', 'babbage', 'bardeen', 'bartik', 'bell', 'blackwell', 'bohr', 'boole',
  'brattain', 'cannon', 'carson', 'cerf', 'chandrasekhar', 'clarke', 'curie', 'darwin', 'dijkstra', 'edison', 'einstein',
  'elion', 'engelbart', 'euclid', 'euler', 'faraday', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo', 'gauss',
  'goldberg', 'goodall', 'hamilton', 'hawking', 'heisenberg', 'hodgkin', 'hopper', 'hypatia', 'jackson', 'jennings',
  'johnson', 'kalam', 'kepler', 'khorana', 'knuth', 'lamarr', 'lamport', 'leakey', 'liskov', 'lovelace', 'lumiere',
  'mahavira', 'mayer', 'mccarthy', 'meitner', 'mendel', 'minsky', 'morse', 'napier', 'newton', 'nobel', 'noether',
  'pascal', 'pasteur', 'perlman', 'planck', 'ptolemy', 'raman', 'ramanujan', 'ritchie', 'rosalind', 'sammet', 'shannon',
  'shockley', 'sinoussi', 'stonebraker', 'swanson', 'tesla', 'thompson', 'torvalds', 'turing', 'varahamihira', 'wiles',
  'williams', 'wozniak', 'wright', 'yalow', 'yonath',
];

export function randomName(retry = 0): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
  const name = `${pick(ADJECTIVES)}_${pick(NAMES)}`;
  // as Docker: a numeric suffix once the plain names keep colliding
  return retry > 0 ? `${name}${Math.floor(Math.random() * 10)}` : name;
}

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}
