// Who a person may complain to, per regime: the supervisory authority (EU, UK, Brazil, Canada) or the Attorney General
// (US states). One place: the refusal and appeal notices and every access answer's disclosure section read it here.

import type { RegulationCode } from './regulations.ts';

export interface Authority {
  readonly role: 'supervisory_authority' | 'attorney_general' | 'privacy_agency';
  readonly name: string;
  /** Where a complaint is filed online, as the authority publishes it. */
  readonly complaintUrl: string;
  /** How to reach it, in a sentence a person can act on. */
  readonly howToComplain: string;
}

const attorneyGeneral = (state: string, complaintUrl: string): Authority => ({
  role: 'attorney_general',
  name: `Office of the Attorney General of ${state}`,
  complaintUrl,
  howToComplain: `You may submit a complaint to the Attorney General of ${state} online at ${complaintUrl}.`,
});

/** Checked by test/unit/authorities.test.ts: every regime of the regulations table has its contact here. */
export const AUTHORITIES: Readonly<Partial<Record<RegulationCode, Authority>>> = {
  GDPR: {
    role: 'supervisory_authority',
    name: 'the data protection supervisory authority of your EU/EEA member state',
    complaintUrl: 'https://www.edpb.europa.eu/about-edpb/about-edpb/members_en',
    howToComplain:
      'You have the right to lodge a complaint with a supervisory authority, in particular in the member state of your habitual residence, place of work or of the alleged infringement (GDPR Art. 77); the list of authorities is at https://www.edpb.europa.eu/about-edpb/about-edpb/members_en.',
  },
  UK_GDPR: {
    role: 'supervisory_authority',
    name: "Information Commissioner's Office (ICO)",
    complaintUrl: 'https://ico.org.uk/make-a-complaint/',
    howToComplain: "You may complain to the Information Commissioner's Office at https://ico.org.uk/make-a-complaint/ (telephone 0303 123 1113).",
  },
  CCPA: {
    role: 'privacy_agency',
    name: 'California Privacy Protection Agency',
    complaintUrl: 'https://cppa.ca.gov/webapplications/complaint',
    howToComplain:
      'You may file a complaint with the California Privacy Protection Agency at https://cppa.ca.gov/webapplications/complaint, or with the California Attorney General at https://oag.ca.gov/contact/consumer-complaint-against-business-or-company.',
  },
  VCDPA: attorneyGeneral('Virginia', 'https://www.oag.state.va.us/consumer-protection/index.php/file-a-complaint'),
  CPA: attorneyGeneral('Colorado', 'https://coag.gov/file-complaint/'),
  CTDPA: attorneyGeneral('Connecticut', 'https://www.dir.ct.gov/ag/complaint/'),
  UCPA: {
    role: 'attorney_general',
    name: 'Utah Division of Consumer Protection',
    complaintUrl: 'https://dcp.utah.gov/complaints/',
    // The Division investigates consumer complaints under the UCPA and refers them to the Attorney General (13-61-401).
    howToComplain: 'You may file a complaint with the Utah Division of Consumer Protection at https://dcp.utah.gov/complaints/, which refers violations to the Utah Attorney General.',
  },
  TDPSA: attorneyGeneral('Texas', 'https://www.texasattorneygeneral.gov/consumer-protection/file-consumer-complaint'),
  LGPD: {
    role: 'supervisory_authority',
    name: 'Autoridade Nacional de Protecao de Dados (ANPD)',
    complaintUrl: 'https://www.gov.br/anpd/pt-br/canais_atendimento',
    howToComplain: 'You may petition the Autoridade Nacional de Protecao de Dados (LGPD Art. 18 par. 1) at https://www.gov.br/anpd/pt-br/canais_atendimento.',
  },
  PIPEDA: {
    role: 'supervisory_authority',
    name: 'Office of the Privacy Commissioner of Canada',
    complaintUrl: 'https://www.priv.gc.ca/en/report-a-concern/',
    howToComplain: 'You may file a complaint with the Office of the Privacy Commissioner of Canada at https://www.priv.gc.ca/en/report-a-concern/ (PIPEDA s. 11).',
  },
};

/** The contact for a regime; a regime added without one falls back to a sentence that still names the right. */
export function authorityFor(regulation: string): Authority {
  return (
    AUTHORITIES[regulation as RegulationCode] ?? {
      role: 'supervisory_authority',
      name: 'the authority that enforces this law',
      complaintUrl: '',
      howToComplain: 'You may complain to the authority that enforces this law.',
    }
  );
}
