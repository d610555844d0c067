/**
 * Search-box queries over the Billboard sample, each with the song a singer typing it is after.
 *
 * How the expected song was chosen, before looking at any ranking:
 * - a query that names one song (by title, title and artist, or a featured artist) expects that song;
 * - a title prefix or a title several songs share expects the most popular of them (most weeks on
 *   the chart), because that is the one most singers mean;
 * - an artist on its own expects that artist's song with the most weeks on the chart among the
 *   songs the credit starts with the artist (artists where that is a tie are left out).
 *
 * Titles and artists are spelled exactly as in the CSV.
 */
export type QueryKind = 'prefix' | 'typo' | 'folding' | 'artist' | 'title+artist' | 'featuring' | 'title';

export interface RelevanceQuery {
  q: string;
  kind: QueryKind;
  expected: { title: string; artist: string };
}

const song = (title: string, artist: string) => ({ title, artist });

export const RELEVANCE_QUERIES: RelevanceQuery[] = [
  // Prefixes, as the user types.
  { q: 'dont sto', kind: 'prefix', expected: song("Don't Stop The Music", 'Rihanna') },
  { q: 'dont stop beli', kind: 'prefix', expected: song("Don't Stop Believin'", 'Journey') },
  { q: 'shape of y', kind: 'prefix', expected: song('Shape Of You', 'Ed Sheeran') },
  { q: 'blinding li', kind: 'prefix', expected: song('Blinding Lights', 'The Weeknd') },
  { q: 'old town r', kind: 'prefix', expected: song('Old Town Road', 'Lil Nas X Featuring Billy Ray Cyrus') },
  { q: 'rolling in the', kind: 'prefix', expected: song('Rolling In The Deep', 'Adele') },
  { q: 'uptown fu', kind: 'prefix', expected: song('Uptown Funk!', 'Mark Ronson Featuring Bruno Mars') },
  { q: 'call me may', kind: 'prefix', expected: song('Call Me Maybe', 'Carly Rae Jepsen') },
  { q: 'hips don', kind: 'prefix', expected: song("Hips Don't Lie", 'Shakira Featuring Wyclef Jean') },
  { q: 'mr bright', kind: 'prefix', expected: song('Mr. Brightside', 'The Killers') },
  { q: 'watermelon s', kind: 'prefix', expected: song('Watermelon Sugar', 'Harry Styles') },
  { q: 'someone like y', kind: 'prefix', expected: song('Someone Like You', 'Adele') },
  { q: 'thinking out l', kind: 'prefix', expected: song('Thinking Out Loud', 'Ed Sheeran') },
  { q: 'single lad', kind: 'prefix', expected: song('Single Ladies (Put A Ring On It)', 'Beyonce') },
  { q: 'gangn', kind: 'prefix', expected: song('Gangnam Style', 'PSY') },
  { q: 'sicko mo', kind: 'prefix', expected: song('Sicko Mode', 'Travis Scott') },

  // Typos.
  { q: 'bohemain rhapsody', kind: 'typo', expected: song('Bohemian Rhapsody', 'Queen') },
  { q: 'shpe of you', kind: 'typo', expected: song('Shape Of You', 'Ed Sheeran') },
  {
    q: 'despasito',
    kind: 'typo',
    expected: song('Despacito', 'Luis Fonsi & Daddy Yankee Featuring Justin Bieber'),
  },
  { q: 'blinding ligths', kind: 'typo', expected: song('Blinding Lights', 'The Weeknd') },
  { q: 'umbrela', kind: 'typo', expected: song('Umbrella', 'Rihanna Featuring Jay-Z') },
  { q: 'poker fase', kind: 'typo', expected: song('Poker Face', 'Lady Gaga') },
  { q: 'hotline blign', kind: 'typo', expected: song('Hotline Bling', 'Drake') },
  { q: 'watermelon suger', kind: 'typo', expected: song('Watermelon Sugar', 'Harry Styles') },
  { q: 'someone like yuo', kind: 'typo', expected: song('Someone Like You', 'Adele') },

  // Apostrophes, accents and symbols left out or typed differently.
  { q: 'dont stop the music', kind: 'folding', expected: song("Don't Stop The Music", 'Rihanna') },
  { q: 'gods plan', kind: 'folding', expected: song("God's Plan", 'Drake') },
  { q: 'cest la vie', kind: 'folding', expected: song("C'est La Vie", 'B*Witched') },
  { q: 'hey ya', kind: 'folding', expected: song('Hey Ya!', 'OutKast') },
  { q: 'beyoncé halo', kind: 'folding', expected: song('Halo', 'Beyonce') },
  { q: 'pink so what', kind: 'folding', expected: song('So What', 'P!nk') },
  { q: 'kesha tik tok', kind: 'folding', expected: song('TiK ToK', 'Ke$ha') },
  { q: 'notorious big hypnotize', kind: 'folding', expected: song('Hypnotize', 'The Notorious B.I.G.') },
  { q: 'jayz crazy in love', kind: 'folding', expected: song('Crazy In Love', 'Beyonce Featuring Jay Z') },

  // An artist on its own.
  { q: 'taylor swift', kind: 'artist', expected: song('Cruel Summer', 'Taylor Swift') },
  { q: 'adele', kind: 'artist', expected: song('Rolling In The Deep', 'Adele') },
  { q: 'ed sheeran', kind: 'artist', expected: song('Shape Of You', 'Ed Sheeran') },
  { q: 'dua lipa', kind: 'artist', expected: song('Levitating', 'Dua Lipa') },
  { q: 'olivia rodrigo', kind: 'artist', expected: song('Good 4 U', 'Olivia Rodrigo') },
  { q: 'mariah carey', kind: 'artist', expected: song('All I Want For Christmas Is You', 'Mariah Carey') },
  { q: 'the weeknd', kind: 'artist', expected: song('Save Your Tears', 'The Weeknd & Ariana Grande') },
  { q: 'billie eilish', kind: 'artist', expected: song('Wildflower', 'Billie Eilish') },
  { q: 'beyoncé', kind: 'artist', expected: song('Cuff It', 'Beyonce') },

  // Title and artist.
  { q: 'hello adele', kind: 'title+artist', expected: song('Hello', 'Adele') },
  { q: 'stay justin bieber', kind: 'title+artist', expected: song('Stay', 'The Kid LAROI & Justin Bieber') },
  {
    q: 'closer chainsmokers',
    kind: 'title+artist',
    expected: song('Closer', 'The Chainsmokers Featuring Halsey'),
  },
  { q: 'toxic britney', kind: 'title+artist', expected: song('Toxic', 'Britney Spears') },
  { q: 'stronger kanye', kind: 'title+artist', expected: song('Stronger', 'Kanye West') },
  { q: 'flowers miley', kind: 'title+artist', expected: song('Flowers', 'Miley Cyrus') },
  { q: 'perfect ed sheeran', kind: 'title+artist', expected: song('Perfect', 'Ed Sheeran') },

  // A title on its own that several songs share: the most popular one.
  { q: 'happy', kind: 'title', expected: song('Happy', 'Pharrell Williams') },
  { q: 'stay', kind: 'title', expected: song('Stay', 'The Kid LAROI & Justin Bieber') },
  { q: 'levitating', kind: 'title', expected: song('Levitating', 'Dua Lipa') },

  // A featured artist and a word of the title.
  { q: 'halsey closer', kind: 'featuring', expected: song('Closer', 'The Chainsmokers Featuring Halsey') },
  { q: 'jay z umbrella', kind: 'featuring', expected: song('Umbrella', 'Rihanna Featuring Jay-Z') },
  {
    q: 'bruno mars uptown',
    kind: 'featuring',
    expected: song('Uptown Funk!', 'Mark Ronson Featuring Bruno Mars'),
  },
  {
    q: 'justin bieber despacito',
    kind: 'featuring',
    expected: song('Despacito', 'Luis Fonsi & Daddy Yankee Featuring Justin Bieber'),
  },
  {
    q: 'billy ray cyrus old town',
    kind: 'featuring',
    expected: song('Old Town Road', 'Lil Nas X Featuring Billy Ray Cyrus'),
  },
  { q: 'rob thomas smooth', kind: 'featuring', expected: song('Smooth', 'Santana Featuring Rob Thomas') },
  {
    q: 'jamie foxx gold',
    kind: 'featuring',
    expected: song('Gold Digger', 'Kanye West Featuring Jamie Foxx'),
  },
  {
    q: 'charlie puth see you',
    kind: 'featuring',
    expected: song('See You Again', 'Wiz Khalifa Featuring Charlie Puth'),
  },
  {
    q: '21 savage rockstar',
    kind: 'featuring',
    expected: song('Rockstar', 'Post Malone Featuring 21 Savage'),
  },
  { q: 'ludacris yeah', kind: 'featuring', expected: song('Yeah!', 'Usher Featuring Lil Jon & Ludacris') },
  {
    q: 'rihanna love the way you lie',
    kind: 'featuring',
    expected: song('Love The Way You Lie', 'Eminem Featuring Rihanna'),
  },
];
