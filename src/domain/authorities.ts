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
  OCPA: attorneyGeneral('Oregon', 'https://justice.oregon.gov/consumercomplaints/'),
  MTCDPA: attorneyGeneral('Montana', 'https://dojmt.gov/consumer/consumer-complaints/'),
  ICDPA: attorneyGeneral('Iowa', 'https://www.iowaattorneygeneral.gov/for-consumers/file-a-consumer-complaint'),
  DPDPA: attorneyGeneral('Delaware', 'https://attorneygeneral.delaware.gov/fraud/cpu/complaint/'),
  NEDPA: attorneyGeneral('Nebraska', 'https://protectthegoodlife.nebraska.gov/consumer-complaint'),
  NHPA: attorneyGeneral('New Hampshire', 'https://www.doj.nh.gov/citizens/consumer-protection-antitrust-bureau'),
  // New Jersey's act is enforced by the Attorney General through the Division of Consumer Affairs (56:8-166.17).
  NJDPA: attorneyGeneral('New Jersey', 'https://www.njconsumeraffairs.gov/Pages/Consumer-Complaints.aspx'),
  TIPA: attorneyGeneral('Tennessee', 'https://www.tn.gov/attorneygeneral/working-for-tennessee/consumer/file-a-complaint.html'),
  MNCDPA: attorneyGeneral('Minnesota', 'https://www.ag.state.mn.us/Office/Complaint.asp'),
  MODPA: attorneyGeneral('Maryland', 'https://www.marylandattorneygeneral.gov/Pages/CPD/complaint.aspx'),
  INCDPA: attorneyGeneral('Indiana', 'https://www.in.gov/attorneygeneral/consumer-protection-division/file-a-complaint/'),
  KCDPA: attorneyGeneral('Kentucky', 'https://www.ag.ky.gov/Resources/Consumer-Resources/Consumers/Pages/Consumer-Complaints.aspx'),
  RIDTPPA: attorneyGeneral('Rhode Island', 'https://riag.ri.gov/forms/consumer-complaint'),
  QC_LAW25: {
    role: 'supervisory_authority',
    name: "Commission d'acces a l'information du Quebec",
    complaintUrl: 'https://www.cai.gouv.qc.ca/',
    howToComplain: "You may ask the Commission d'acces a l'information to examine the disagreement (CQLR c. P-39.1, s. 42) at https://www.cai.gouv.qc.ca/.",
  },
  FADP: {
    role: 'supervisory_authority',
    name: 'Federal Data Protection and Information Commissioner (FDPIC)',
    complaintUrl: 'https://www.edoeb.admin.ch/en/',
    howToComplain: 'You may report the matter to the Federal Data Protection and Information Commissioner (FADP Art. 49) at https://www.edoeb.admin.ch/en/, or bring a civil action (Art. 32).',
  },
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
