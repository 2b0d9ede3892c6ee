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
