import type { Flag } from './overview-model.ts';

/** A yes/no filter as a select: any, only those, or only the others. */
export function FlagSelect({
  id,
  label,
  value,
  yes,
  no,
  onChange,
}: {
  id: string;
  label: string;
  value: Flag;
  yes: string;
  no: string;
  onChange: (value: Flag) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.currentTarget.value as Flag)}>
        <option value="">Any</option>
        <option value="true">{yes}</option>
        <option value="false">{no}</option>
      </select>
    </div>
  );
}

/** The classification a list can be narrowed to, each flag as a FlagSelect. */
export type ClassificationFlags = Record<'production' | 'internet_facing' | 'handles_pii', Flag>;

const flagChoices: { name: keyof ClassificationFlags; id: string; label: string; yes: string; no: string }[] =
  [
    {
      name: 'production',
      id: 'production',
      label: 'Production',
      yes: 'Production only',
      no: 'Not production',
    },
    {
      name: 'internet_facing',
      id: 'internet-facing',
      label: 'Internet-facing',
      yes: 'Internet-facing only',
      no: 'Not internet-facing',
    },
    { name: 'handles_pii', id: 'handles-pii', label: 'Handles PII', yes: 'Handles PII', no: 'No PII' },
  ];

/** The production, internet-facing and PII filters of a form, with ids under `idPrefix`. */
export function ClassificationFilters({
  idPrefix,
  flags,
  onChange,
}: {
  idPrefix: string;
  flags: ClassificationFlags;
  onChange: (name: keyof ClassificationFlags, value: Flag) => void;
}) {
  return (
    <>
      {flagChoices.map(({ name, id, label, yes, no }) => (
        <FlagSelect
          key={name}
          id={`${idPrefix}-${id}`}
          label={label}
          value={flags[name]}
          yes={yes}
          no={no}
          onChange={(value) => onChange(name, value)}
        />
      ))}
    </>
  );
}
