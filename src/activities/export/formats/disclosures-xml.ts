import type { Disclosures } from '../../../domain/disclosures.ts';
import { xmlAttribute as attr, xmlText } from './xml-text.ts';

// The disclosure section of the XML export, the first child of <subjectExport>:
//
//   <disclosures regulation="GDPR" law="EU General Data Protection Regulation" xml:lang="de">
//     <controller name="..." contact="..." dpo="..."/>
//     <rightToKnow><categoryCollected>..</categoryCollected><source>..</source><purpose>..</purpose>
//       <disclosedTo>..</disclosedTo><soldTo>..</soldTo><sharedTo>..</sharedTo></rightToKnow>     (US regimes)
//     <model name="orders" displayName="Orders" rows="3"><purpose>..</purpose><legalBasis>..</legalBasis>
//       <category>..</category><ccpaCategory>..</ccpaCategory><recipient>..</recipient><soldTo>..</soldTo>
//       <sharedTo>..</sharedTo><retention>..</retention><source>..</source><automatedDecisions>..</automatedDecisions>
//       <transfer to=".." safeguard=".."/></model>
//     <right>..</right><complaint authority=".." url="..">..</complaint>
//   </disclosures>
//
// xml:lang (XML 1.0, 2.12) is the language of the answer's own sentences, <right> and <complaint>: the request's
// (en, de, fr or es). Element and attribute names never change with it, and the register's words stay as written.

const each = (name: string, values: readonly string[] | undefined) => (values ?? []).map((v) => `<${name}>${xmlText(v)}</${name}>`).join('');

export function disclosuresXml(d: Disclosures): string {
  const c = d.controller;
  let xml = `<disclosures regulation="${attr(d.regulation)}" law="${attr(d.law)}" xml:lang="${attr(d.language)}"><controller name="${attr(c.name)}" contact="${attr(c.contact)}"${c.dpo ? ` dpo="${attr(c.dpo)}"` : ''}/>`;
  if (d.rightToKnow) {
    const k = d.rightToKnow;
    xml += `<rightToKnow>${each('categoryCollected', k.categoriesCollected)}${each('source', k.sources)}${each('purpose', k.purposes)}${each('disclosedTo', k.disclosedTo)}${each('soldTo', k.soldTo)}${each('sharedTo', k.sharedTo)}</rightToKnow>`;
  }
  for (const m of d.models) {
    xml += `<model name="${attr(m.name)}" displayName="${attr(m.displayName)}" rows="${m.rows}">`;
    xml += each('purpose', m.purposes) + each('legalBasis', m.legalBasis) + each('category', m.categories) + each('ccpaCategory', m.ccpaCategories);
    xml += each('recipient', m.recipients) + each('soldTo', m.soldTo) + each('sharedTo', m.sharedTo) + each('retention', [m.retention]) + each('source', m.sources);
    xml += each('automatedDecisions', m.automatedDecisions ? [m.automatedDecisions] : []);
    xml += m.transfers.map((t) => `<transfer to="${attr(t.to)}" safeguard="${attr(t.safeguard)}"/>`).join('');
    xml += '</model>';
  }
  return `${xml}${each('right', d.rights)}<complaint authority="${attr(d.complaint.authority)}" url="${attr(d.complaint.url)}">${xmlText(d.complaint.how)}</complaint></disclosures>`;
}
